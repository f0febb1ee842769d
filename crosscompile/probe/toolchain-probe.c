/* Links like vigil-agent does (PIE, pthread, libdl, librt, libm) and runs on the target: proves a
   camera toolchain (driver, linker, sysroot, emulator) where the NativeAOT packages are absent. */
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static void *worker(void *arg)
{
    return arg;
}

int main(int argc, char **argv)
{
    pthread_t thread;
    void *result = NULL;
    struct timespec now;
    if (pthread_create(&thread, NULL, worker, (void *)argv) != 0 || pthread_join(thread, &result) != 0 || result != argv)
        return 1;
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        return 2;
    /* The target's dynamic loader answers for the main program. */
    if (dlopen(NULL, RTLD_NOW) == NULL)
        return 3;
    printf("toolchain probe %s ok: %d-bit pointers, sqrt(%d)=%.3f\n", argc > 1 ? argv[1] : "?", (int)(sizeof(void *) * 8), argc, sqrt((double)argc));
    return 0;
}
