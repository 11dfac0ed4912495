/* Text log lines cannot be forged by request-derived text. */
#include "test.h"
#include "base/log.h"
#include "base/strbuf.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static void esc(const char *in, int quote, const char *want)
{
    strbuf_t sb;
    strbuf_init(&sb, 4096);
    log_text_escape(&sb, in, quote);
    CHECK_EQ_STR(strbuf_cstr(&sb), want);
    strbuf_release(&sb);
}

TEST(log_text_escape_table)
{
    esc("plain/path", 1, "plain/path");
    esc("", 1, "\"\"");
    esc("", 0, "");
    esc("/x\n2026-01-01T00:00:00Z warn  FORGED\r", 0,
        "/x\\n2026-01-01T00:00:00Z warn  FORGED\\r");
    esc("/x status=200", 1, "\"/x status=200\"");
    esc("a\"b", 1, "\"a\\\"b\"");
    esc("a\"b", 0, "a\"b");
    esc("back\\slash", 0, "back\\\\slash");
    esc("tab\tbell\a del\x7f", 0, "tab\\tbell\\x07 del\\x7f");
    esc("caf\xc3\xa9", 1, "caf\xc3\xa9");
}

TEST(log_write_text_line_is_one_line)
{
    const char *file = test_path("log.txt");
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    int saved = dup(STDERR_FILENO);
    REQUIRE(saved >= 0);
    dup2(fd, STDERR_FILENO);
    log_setup(LOG_FORMAT_TEXT, LOG_INFO);
    const char *path = "/x\n2026 warn FORGED", *client = "a b=c";
    log_field_t f[] = {LOG_STR("path", path), LOG_STR("client", client)};
    log_write(LOG_INFO, "req\nid", f, 2, "GET %s", "/x\n2026 warn FORGED\r");
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    size_t n = 0;
    char *text = (char *)test_read_file(file, &n);
    REQUIRE(text != NULL);
    CHECK(n > 0 && text[n - 1] == '\n');
    CHECK(memchr(text, '\n', n) == text + n - 1); /* exactly one line */
    CHECK(strstr(text, "[req=req\\nid] GET /x\\n2026 warn FORGED\\r") != NULL);
    CHECK(strstr(text, " path=\"/x\\n2026 warn FORGED\" client=\"a b=c\"") != NULL);
    free(text);
}
