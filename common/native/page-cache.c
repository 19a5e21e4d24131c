/*
 * page_cache: posix_fadvise(2) for Node, which has none. Swift's object
 * server drops a file's cached pages after fsyncing a PUT and behind its
 * reads of large objects (drop_buffer_cache, POSIX_FADV_DONTNEED); this is
 * that one call, run on libuv's thread pool so that freeing the pages of a
 * large file never holds up the event loop.
 *
 *   dropCache(fd, offset, length, callback(errno))   on the thread pool;
 *                                                    length 0: to the end
 *   dropCacheSync(fd, offset, length) -> errno       in the caller's thread,
 *                                                    for a small range
 *   supported                                        false where the
 *                                                    platform has no fadvise
 */
#include <node_api.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
  napi_async_work work;
  napi_ref callback;
  int fd;
  int64_t offset;
  int64_t length;
  int err;
} drop_job;

static int drop(int fd, int64_t offset, int64_t length) {
#ifdef POSIX_FADV_DONTNEED
  return posix_fadvise(fd, (off_t)offset, (off_t)length, POSIX_FADV_DONTNEED);
#else
  (void)fd; (void)offset; (void)length;
  return 0;
#endif
}

static void drop_execute(napi_env env, void *data) {
  (void)env;
  drop_job *job = data;
  job->err = drop(job->fd, job->offset, job->length);
}

static void drop_complete(napi_env env, napi_status status, void *data) {
  drop_job *job = data;
  napi_value callback, global, argv[1];
  napi_get_reference_value(env, job->callback, &callback);
  napi_get_global(env, &global);
  napi_create_int32(env, status == napi_ok ? job->err : -1, &argv[0]);
  napi_call_function(env, global, callback, 1, argv, NULL);
  napi_delete_reference(env, job->callback);
  napi_delete_async_work(env, job->work);
  free(job);
}

static napi_value drop_cache(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], name;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "dropCache(fd, offset, length, callback)");
    return NULL;
  }
  drop_job *job = calloc(1, sizeof *job);
  if (!job) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  if (napi_get_value_int32(env, argv[0], &job->fd) != napi_ok
      || napi_get_value_int64(env, argv[1], &job->offset) != napi_ok
      || napi_get_value_int64(env, argv[2], &job->length) != napi_ok
      || napi_create_reference(env, argv[3], 1, &job->callback) != napi_ok) {
    free(job);
    napi_throw_type_error(env, NULL, "dropCache(fd: int, offset: int, length: int, callback: function)");
    return NULL;
  }
  napi_create_string_utf8(env, "swiftly:dropCache", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, drop_execute, drop_complete, job, &job->work);
  napi_queue_async_work(env, job->work);
  return NULL;
}

static napi_value drop_cache_sync(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out;
  int32_t fd;
  int64_t offset, length;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok
      || napi_get_value_int64(env, argv[1], &offset) != napi_ok
      || napi_get_value_int64(env, argv[2], &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "dropCacheSync(fd: int, offset: int, length: int)");
    return NULL;
  }
  napi_create_int32(env, drop(fd, offset, length), &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn, supported;
  napi_create_function(env, "dropCache", NAPI_AUTO_LENGTH, drop_cache, NULL, &fn);
  napi_set_named_property(env, exports, "dropCache", fn);
  napi_create_function(env, "dropCacheSync", NAPI_AUTO_LENGTH, drop_cache_sync, NULL, &fn);
  napi_set_named_property(env, exports, "dropCacheSync", fn);
#ifdef POSIX_FADV_DONTNEED
  napi_get_boolean(env, 1, &supported);
#else
  napi_get_boolean(env, 0, &supported);
#endif
  napi_set_named_property(env, exports, "supported", supported);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
