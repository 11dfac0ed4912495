#include "base/progress.h"
#include "base/clock.h"

#include <string.h>
#include <unistd.h>

void progress_init(progress_t *p, FILE *out, const char *label, uint64_t total, int force)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->label = label ? label : "";
    p->total = total;
    p->enabled = out && (force || isatty(fileno(out)));
    p->start_ns = clock_now_ns();
}

static void fmt_duration(double s, char *buf, size_t n)
{
    if (!(s >= 0) || s > 359999)
        snprintf(buf, n, "--:--");
    else if (s >= 3600)
        snprintf(buf, n, "%d:%02d:%02d", (int)s / 3600, ((int)s / 60) % 60, (int)s % 60);
    else
        snprintf(buf, n, "%02d:%02d", (int)s / 60, (int)s % 60);
}

void progress_format(const progress_t *p, uint64_t now_ns, char *buf, size_t n)
{
    double elapsed = (double)(now_ns - p->start_ns) / 1e9;
    double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
    char eta[16] = "--:--";
    if (p->total && rate > 0 && p->done <= p->total)
        fmt_duration((double)(p->total - p->done) / rate, eta, sizeof eta);
    char bar[26];
    int width = 24, fill = p->total ? (int)((double)width * (double)p->done / (double)p->total) : 0;
    if (fill > width)
        fill = width;
    bar[0] = '[';
    for (int i = 0; i < width; i++)
        bar[1 + i] = i < fill ? '#' : '.';
    bar[width + 1] = '\0';
    double hours = p->units / 3600.0;
    double xrt = elapsed > 0 ? p->units / elapsed : 0;
    if (p->total)
        snprintf(buf, n, "%s %s] %llu/%llu  %.2f h audio  %.0fx real time  %.1f/s  ETA %s", p->label,
                 bar, (unsigned long long)p->done, (unsigned long long)p->total, hours, xrt, rate,
                 eta);
    else
        snprintf(buf, n, "%s %llu  %.2f h audio  %.0fx real time  %.1f/s", p->label,
                 (unsigned long long)p->done, hours, xrt, rate);
}

static void draw(progress_t *p, uint64_t now)
{
    char line[256];
    progress_format(p, now, line, sizeof line);
    fprintf(p->out, "\r\033[K%s", line);
    fflush(p->out);
    p->last_draw_ns = now;
}

void progress_add(progress_t *p, uint64_t items, double units)
{
    p->done += items;
    p->units += units;
    if (!p->enabled)
        return;
    uint64_t now = clock_now_ns();
    if (now - p->last_draw_ns >= 100000000u)
        draw(p, now);
}

void progress_finish(progress_t *p)
{
    if (!p->enabled)
        return;
    draw(p, clock_now_ns());
    fputc('\n', p->out);
    fflush(p->out);
}
