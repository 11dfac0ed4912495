/* The route table: every endpoint of API.md in one place. */
#include "http/http_int.h"

#include <stdio.h>
#include <string.h>

static const http_route_t routes[] = {
    {"GET", "/health", "health", h_health, BODY_NONE, 0, 0},
    {"GET", "/metrics", "metrics", h_metrics, BODY_NONE, 0, 0},
    {"GET", "/api/v1/version", "version", h_version, BODY_NONE, 0, 0},
    {"POST", "/api/v1/search", "search", h_search, BODY_SEARCH, 0, 1},
    {"POST", "/api/v1/ingest", "ingest", h_ingest, BODY_INGEST, 1, 0},
    {"GET", "/api/v1/tracks", "tracks_list", h_tracks_list, BODY_NONE, 0, 0},
    {"GET", "/api/v1/tracks/{id}", "track_get", h_track_get, BODY_NONE, 0, 0},
    {"DELETE", "/api/v1/tracks/{id}", "track_delete", h_track_delete, BODY_NONE, 1, 0},
    {"GET", "/api/v1/tracks/{id}/audio", "track_audio", h_track_audio, BODY_NONE, 0, 0},
    {"GET", "/*", "static", h_static, BODY_NONE, 0, 0},
};

/* 1 when path matches pattern; the {id} segment goes to arg. */
static int path_matches(const char *pattern, const char *path, char *arg, size_t argn)
{
    if (strcmp(pattern, "/*") == 0)
        return strncmp(path, "/api/", 5) != 0 && strcmp(path, "/api") != 0 &&
               strcmp(path, "/health") != 0 && strcmp(path, "/metrics") != 0;
    while (*pattern && *path) {
        if (strncmp(pattern, "{id}", 4) == 0) {
            size_t n = strcspn(path, "/");
            if (n == 0 || n >= argn)
                return 0;
            memcpy(arg, path, n);
            arg[n] = '\0';
            path += n;
            pattern += 4;
            continue;
        }
        if (*pattern++ != *path++)
            return 0;
    }
    return *pattern == '\0' && *path == '\0';
}

const http_route_t *http_route_match(const char *method, const char *path, char *arg, size_t argn,
                                     int *path_known, char *allow, size_t allown)
{
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    *path_known = 0;
    allow[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (!path_matches(routes[i].pattern, path, arg, argn))
            continue;
        if (strcmp(routes[i].method, m) == 0)
            return &routes[i];
        *path_known = 1;
        int w = snprintf(allow + used, allown - used, "%s%s", used ? ", " : "",
                         strcmp(routes[i].method, "GET") == 0 ? "GET, HEAD" : routes[i].method);
        if (w > 0 && (size_t)w < allown - used)
            used += (size_t)w;
    }
    if (*path_known)
        snprintf(allow + used, allown - used, "%sOPTIONS", used ? ", " : "");
    return NULL;
}
