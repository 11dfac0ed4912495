/* One REST exchange with Qdrant over libcurl: kept-alive handles from a small
 * pool, bounded retries on 5xx and dropped connections, the deadline of the
 * caller, and the error bodies of the Qdrant OpenAPI spec
 * ({"status":{"error":"…"},"time":…}). */
#include "vecstore/qdrant_int.h"
#include "base/strbuf.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ATTEMPTS           3
#define CONNECT_TIMEOUT_MS 2000L
#define REQUEST_TIMEOUT_MS 30000L
#define RESPONSE_MAX       (64 * 1024 * 1024)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void qdrant_http_init(void)
{
    pthread_once(&curl_once, curl_init_once);
}

void qdrant_pool_release(qdrant_t *q)
{
    for (int i = 0; i < q->npool; i++)
        curl_easy_cleanup(q->pool[i]);
    q->npool = 0;
}

static CURL *handle_take(qdrant_t *q)
{
    pthread_mutex_lock(&q->mu);
    CURL *h = q->npool ? q->pool[--q->npool] : NULL;
    pthread_mutex_unlock(&q->mu);
    return h ? h : curl_easy_init();
}

static void handle_give(qdrant_t *q, CURL *h)
{
    pthread_mutex_lock(&q->mu);
    if (q->npool < QDRANT_POOL_MAX) {
        q->pool[q->npool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&q->mu);
    if (h)
        curl_easy_cleanup(h);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    strbuf_t *sb = user;
    size_t n = size * nmemb;
    if (sb->len + n > RESPONSE_MAX)
        return 0; /* aborts the transfer */
    strbuf_appendn(sb, data, n);
    return n;
}

/* Qdrant's status.error text of an error body, or the start of the body. */
static void error_text(const strbuf_t *body, char *out, size_t n)
{
    json_error_t je;
    json_t *doc = json_loadb(strbuf_cstr(body), body->len, 0, &je);
    const char *msg = json_string_value(json_object_get(json_object_get(doc, "status"), "error"));
    snprintf(out, n, "%.200s", msg ? msg : body->len ? strbuf_cstr(body) : "(empty body)");
    json_decref(doc);
}

/* One HTTP exchange with retries; *status gets the HTTP status. */
static ai_err_t exchange(qdrant_t *q, const char *method, const char *path, const char *body,
                         deadline_t deadline, long *status, strbuf_t *out, ai_error_t *err)
{
    char url[CONFIG_STR_MAX * 2 + 64];
    snprintf(url, sizeof url, "%s%s", q->base, path);
    CURL *h = handle_take(q);
    if (!h)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "cannot create a curl handle");
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    if (hdr && q->api_key_header[0])
        hdr = curl_slist_append(hdr, q->api_key_header);
    ai_err_t rc = AI_OK;
    for (int attempt = 1; hdr; attempt++) {
        strbuf_reset(out);
        long timeout = REQUEST_TIMEOUT_MS;
        if (deadline) {
            double left = ((double)deadline - (double)clock_now_ns()) / 1e6;
            if (left <= 0) {
                rc = ai_error_set(err, AI_ERR_SEARCH_TIMEOUT, "Qdrant request ran out of time");
                break;
            }
            timeout = left < 1 ? 1 : (long)left;
        }
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
        if (body)
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        CURLcode cc = curl_easy_perform(h);
        *status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
        int retry_net = cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR ||
                        cc == CURLE_GOT_NOTHING || cc == CURLE_COULDNT_CONNECT;
        if (cc == CURLE_OK && *status < 500)
            break;
        if (attempt < ATTEMPTS && (retry_net || (cc == CURLE_OK && *status >= 500))) {
            struct timespec ts = {0, (long)attempt * attempt * 50 * 1000 * 1000};
            nanosleep(&ts, NULL); /* 50 ms, 200 ms */
            continue;
        }
        char text[256];
        error_text(out, text, sizeof text);
        if (cc == CURLE_OPERATION_TIMEDOUT && deadline)
            rc = ai_error_set(err, AI_ERR_SEARCH_TIMEOUT, "Qdrant at %s did not answer in time",
                              q->shown);
        else if (cc != CURLE_OK)
            rc = ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE, "cannot reach Qdrant at %s: %s",
                              q->shown, curl_easy_strerror(cc));
        else
            rc = ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE, "Qdrant at %s answered %ld: %s",
                              q->shown, *status, text);
        break;
    }
    if (!hdr)
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    curl_slist_free_all(hdr);
    handle_give(q, h);
    return rc;
}

ai_err_t qdrant_call(qdrant_t *q, const char *method, const char *suffix, json_t *body, int flags,
                     deadline_t deadline, json_t **result, qd_found_t *found, long *status,
                     ai_error_t *err)
{
    char path[CONFIG_STR_MAX + 128];
    snprintf(path, sizeof path, "/collections/%s%s", q->collection, suffix);
    *result = NULL;
    *found = QD_FOUND;
    *status = 0;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (body && !text)
        return ai_error_set(err, AI_ERR_INTERNAL_ERROR, "out of memory");
    strbuf_t out;
    strbuf_init(&out, RESPONSE_MAX);
    ai_err_t rc = exchange(q, method, path, text, deadline, status, &out, err);
    free(text);
    char why[256];
    if (rc != AI_OK || (*status == 409 && (flags & QD_ALLOW_409))) {
        /* error already set, or a conflict the caller handles */
    } else if (*status == 404) {
        json_error_t je;
        json_t *doc = out.len ? json_loadb(strbuf_cstr(&out), out.len, 0, &je) : NULL;
        *found = json_is_string(json_object_get(json_object_get(doc, "status"), "error"))
                     ? QD_NO_COLLECTION
                     : QD_NO_ROUTE;
        json_decref(doc);
    } else if (*status == 401 || *status == 403) {
        error_text(&out, why, sizeof why);
        rc = ai_error_set(err, AI_ERR_SERVICE_UNAVAILABLE,
                          "Qdrant at %s refused the request (%ld: %s); check QDRANT_API_KEY",
                          q->shown, *status, why);
    } else if (*status < 200 || *status >= 300) {
        error_text(&out, why, sizeof why);
        rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR, "Qdrant at %s answered %ld to %s %s: %s",
                          q->shown, *status, method, path, why);
    } else {
        json_error_t je;
        json_t *doc = json_loadb(strbuf_cstr(&out), out.len, 0, &je);
        json_t *r = json_object_get(doc, "result");
        if (!r)
            rc = ai_error_set(err, AI_ERR_INTERNAL_ERROR,
                              "unexpected answer from Qdrant at %s to %s %s", q->shown, method,
                              path);
        else
            *result = json_incref(r);
        json_decref(doc);
    }
    strbuf_release(&out);
    return rc;
}
