// LD_PRELOAD library for the benchmarks: counts heap allocations of the process it is loaded
// into (malloc, calloc, realloc, the aligned ones — operator new ends in malloc) into a
// shared-memory file named by MALLOC_COUNT_FILE, so the simulator can read the count from outside
// before and after a measured window and report allocations per webhook. The calls themselves go
// to glibc's allocator unchanged.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {

struct Counters {
  std::atomic<std::uint64_t> allocations;
  std::atomic<std::uint64_t> bytes;
};
Counters* counters = nullptr;  // null until mapped: allocations before that are not counted

__attribute__((constructor)) void map_counters() {
  const char* path = std::getenv("MALLOC_COUNT_FILE");
  if (path == nullptr) return;
  const int fd = ::open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  if (::ftruncate(fd, sizeof(Counters)) == 0) {
    void* p = ::mmap(nullptr, sizeof(Counters), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) counters = static_cast<Counters*>(p);
  }
  ::close(fd);
}

inline void count(std::size_t bytes) {
  if (counters == nullptr) return;
  counters->allocations.fetch_add(1, std::memory_order_relaxed);
  counters->bytes.fetch_add(bytes, std::memory_order_relaxed);
}

}  // namespace

extern "C" {

void* malloc(std::size_t n) {
  count(n);
  return __libc_malloc(n);
}

void* calloc(std::size_t n, std::size_t size) {
  count(n * size);
  return __libc_calloc(n, size);
}

void* realloc(void* p, std::size_t n) {
  count(n);
  return __libc_realloc(p, n);
}

void free(void* p) { __libc_free(p); }

void* memalign(std::size_t alignment, std::size_t n) {
  count(n);
  return __libc_memalign(alignment, n);
}

void* aligned_alloc(std::size_t alignment, std::size_t n) {
  count(n);
  return __libc_memalign(alignment, n);
}

int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
  count(n);
  void* p = __libc_memalign(alignment, n);
  if (p == nullptr) return 12;  // ENOMEM
  *out = p;
  return 0;
}

}  // extern "C"
