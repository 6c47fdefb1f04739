#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H
#include <curl/curl.h>
#include <sys/socket.h>
#include <pthread.h>

/* curl_easy_setopt / curl_easy_getinfo are variadic and cannot be imported into
   Swift; these typed wrappers cover each argument kind the gateway uses. */

static inline CURLcode ccurl_setopt_long(CURL *h, CURLoption o, long v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode ccurl_setopt_off(CURL *h, CURLoption o, curl_off_t v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode ccurl_setopt_string(CURL *h, CURLoption o, const char *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode ccurl_setopt_pointer(CURL *h, CURLoption o, void *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode ccurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) {
    return curl_easy_setopt(h, o, v);
}
typedef size_t (*ccurl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode ccurl_setopt_data_callback(CURL *h, CURLoption o, ccurl_data_callback cb) {
    return curl_easy_setopt(h, o, cb);
}
static inline CURLcode ccurl_getinfo_long(CURL *h, CURLINFO i, long *out) {
    return curl_easy_getinfo(h, i, out);
}
static inline CURLcode ccurl_getinfo_pointer(CURL *h, CURLINFO i, void **out) {
    return curl_easy_getinfo(h, i, out);
}
static inline CURLcode ccurl_getinfo_double(CURL *h, CURLINFO i, double *out) {
    return curl_easy_getinfo(h, i, out);
}
typedef size_t (*ccurl_header_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
static inline CURLcode ccurl_setopt_header_callback(CURL *h, CURLoption o, ccurl_header_callback cb) {
    return curl_easy_setopt(h, o, cb);
}
/* Macros Swift does not import as values. */
static inline CURLcode ccurl_unpause(CURL *h) { return curl_easy_pause(h, CURLPAUSE_CONT); }
static inline size_t ccurl_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }
static inline long ccurl_http_version_2tls(void) { return CURL_HTTP_VERSION_2TLS; }
/* curl_multi_setopt and curl_share_setopt are variadic too. */
static inline CURLMcode ccurl_multi_setopt_long(CURLM *m, CURLMoption o, long v) {
    return curl_multi_setopt(m, o, v);
}
static inline CURLSHcode ccurl_share_setopt_long(CURLSH *s, CURLSHoption o, long v) {
    return curl_share_setopt(s, o, v);
}
/* Upstream sockets are opened close-on-exec atomically (SOCK_CLOEXEC; libcurl does not
   set it): a child process started meanwhile must not inherit one, or the connection
   outlives libcurl's close and the upstream never sees a cancelled request end. */
__attribute__((unused)) static curl_socket_t ccurl_open_cloexec(
    void *clientp, curlsocktype purpose, struct curl_sockaddr *address) {
    (void)clientp;
    (void)purpose;
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}
static inline CURLcode ccurl_setopt_cloexec_sockets(CURL *h) {
    return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, ccurl_open_cloexec);
}

/* glibc declares pthread_setname_np only under _GNU_SOURCE, which the module cannot set
   before <pthread.h> is first seen: name the calling thread (15 bytes at most). */
extern int pthread_setname_np(pthread_t thread, const char *name);
static inline int ccurl_name_current_thread(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}
#endif
