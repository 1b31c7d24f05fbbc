/* Keeps freed 16 KB frame-stack chunks of CPython for reuse instead of unmapping them.
 *
 * CPython 3.11 frees a thread's frame-stack chunk (munmap) as soon as the frame at its base
 * returns, and maps a new one (mmap, then page faults) on the next call that crosses that edge
 * (gh-142183). frame_stack_wrap() puts a pair of functions in front of the object arena
 * allocator (PyObjectArenaAllocator, which serves both those chunks and pymalloc's 1 MiB arenas):
 * up to KEEP freed chunks of CHUNK bytes are kept and handed out again; every other size, and
 * every chunk beyond KEEP, goes to the allocator that was there before. Blocks kept are ones the
 * original allocator gave, so blocks allocated before the wrap are freed correctly after it.
 */
#include <pthread.h>
#include <stddef.h>

typedef struct {
    void *ctx;
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *ptr, size_t size);
} arena_allocator;

#define CHUNK 16384
#define KEEP 32

static arena_allocator original;
static void *kept[KEEP];
static int count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;  /* frees can run without the GIL */

static void *kept_alloc(void *ctx, size_t size) {
    (void)ctx;
    if (size == CHUNK) {
        void *block = NULL;
        pthread_mutex_lock(&lock);
        if (count > 0)
            block = kept[--count];
        pthread_mutex_unlock(&lock);
        if (block)
            return block;
    }
    return original.alloc(original.ctx, size);
}

static void kept_free(void *ctx, void *ptr, size_t size) {
    (void)ctx;
    if (size == CHUNK) {
        int kept_it = 0;
        pthread_mutex_lock(&lock);
        if (count < KEEP) {
            kept[count++] = ptr;
            kept_it = 1;
        }
        pthread_mutex_unlock(&lock);
        if (kept_it)
            return;
    }
    original.free(original.ctx, ptr, size);
}

static void before_fork(void) { pthread_mutex_lock(&lock); }
static void after_fork(void) { pthread_mutex_unlock(&lock); }

/* Rewrites *current (read with PyObject_GetArenaAllocator) to the keeping pair; the caller sets it
 * with PyObject_SetArenaAllocator. Returns 0 if it already was the keeping pair. */
int frame_stack_wrap(arena_allocator *current) {
    if (current->alloc == kept_alloc)
        return 0;
    pthread_mutex_lock(&lock);
    original = *current;
    pthread_mutex_unlock(&lock);
    pthread_atfork(before_fork, after_fork, after_fork);
    current->ctx = NULL;
    current->alloc = kept_alloc;
    current->free = kept_free;
    return 1;
}

int frame_stack_kept(void) { return count; }
