/*
 * ddos-mitigate.c - the bounded queue and the runner thread (see ddos-mitigate.h).
 *
 * The queue is a ring of fixed job slots allocated once; the capture thread only copies
 * strings into a slot under a mutex and signals. Everything slow (building the environment,
 * spawning, waiting, killing) happens on the runner thread.
 */
#include "ddos-mitigate.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "common/log.h"

extern char **environ;

#define POLL_NSEC (10 * 1000 * 1000)

typedef struct DdosJob {
    const DdosCommand *cmd;
    size_t env_count;
    char env[DDOS_ENV_MAX][DDOS_ENV_LEN];
} DdosJob;

struct DdosMitigator {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    DdosJob *jobs;
    uint32_t cap, head, count;
    bool stopping;
    uint32_t timeout_sec;
    uint64_t dropped;
};

/* The job's variables first (they win over inherited ones of the same name), then ours. */
static char **build_env(const DdosJob *job)
{
    size_t inherited = 0;
    while (environ && environ[inherited])
        inherited++;
    char **envp = calloc(inherited + job->env_count + 1, sizeof(char *));
    if (!envp)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < job->env_count; i++)
        envp[n++] = (char *)job->env[i];
    for (size_t i = 0; i < inherited; i++)
        if (strncmp(environ[i], "BONGSU_DDOS_", 12) != 0)
            envp[n++] = environ[i];
    return envp;
}

/* Waits for pid up to timeout_sec; kills its process group after that. */
static void wait_or_kill(pid_t pid, uint32_t timeout_sec, const char *name)
{
    struct timespec step = {0, POLL_NSEC};
    uint64_t polls = (uint64_t)timeout_sec * (1000000000ull / POLL_NSEC);
    int status;
    for (uint64_t i = 0; i <= polls; i++) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                log_warning("ddos mitigation %s exited with status %d", name, status);
            return;
        }
        if (r < 0 && errno != EINTR)
            return;
        nanosleep(&step, NULL);
    }
    log_warning("ddos mitigation %s ran past %us: killed", name, timeout_sec);
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
}

static void run_job(const DdosJob *job, uint32_t timeout_sec)
{
    char *argv[DDOS_MAX_ARGS + 1] = {0};
    for (uint32_t i = 0; i < job->cmd->argc; i++)
        argv[i] = (char *)job->cmd->argv[i];
    char **envp = build_env(job);
    if (!envp)
        return;
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    /* Own process group, so a timeout kills what the command started too. */
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], NULL, &attr, argv, envp);
    posix_spawnattr_destroy(&attr);
    free(envp);
    if (rc != 0) {
        log_warning("ddos mitigation: cannot run %s: %s", argv[0], strerror(rc));
        return;
    }
    wait_or_kill(pid, timeout_sec, argv[0]);
}

static void *runner(void *arg)
{
    DdosMitigator *m = arg;
    DdosJob *job = malloc(sizeof(*job));
    pthread_mutex_lock(&m->lock);
    for (;;) {
        while (!m->count && !m->stopping)
            pthread_cond_wait(&m->cond, &m->lock);
        if (!m->count)
            break;
        if (job)
            *job = m->jobs[m->head];
        m->head = (m->head + 1) % m->cap;
        m->count--;
        pthread_mutex_unlock(&m->lock);
        if (job)
            run_job(job, m->timeout_sec);
        pthread_mutex_lock(&m->lock);
    }
    pthread_mutex_unlock(&m->lock);
    free(job);
    return NULL;
}

DdosMitigator *ddos_mitigator_new(uint32_t queue_len, uint32_t timeout_sec)
{
    DdosMitigator *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->cap = queue_len ? queue_len : 1;
    m->timeout_sec = timeout_sec;
    m->jobs = calloc(m->cap, sizeof(DdosJob));
    if (!m->jobs) {
        free(m);
        return NULL;
    }
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->cond, NULL);
    if (pthread_create(&m->thread, NULL, runner, m) != 0) {
        pthread_cond_destroy(&m->cond);
        pthread_mutex_destroy(&m->lock);
        free(m->jobs);
        free(m);
        return NULL;
    }
    return m;
}

bool ddos_mitigator_submit(DdosMitigator *m, const DdosCommand *cmd, const char *const *env,
                           size_t env_count)
{
    if (!cmd->argc)
        return true;
    pthread_mutex_lock(&m->lock);
    if (m->count == m->cap) {
        m->dropped++;
        pthread_mutex_unlock(&m->lock);
        return false;
    }
    DdosJob *job = &m->jobs[(m->head + m->count) % m->cap];
    job->cmd = cmd;
    job->env_count = env_count < DDOS_ENV_MAX ? env_count : DDOS_ENV_MAX;
    for (size_t i = 0; i < job->env_count; i++)
        snprintf(job->env[i], DDOS_ENV_LEN, "%s", env[i]);
    m->count++;
    pthread_cond_signal(&m->cond);
    pthread_mutex_unlock(&m->lock);
    return true;
}

void ddos_mitigator_free(DdosMitigator *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->stopping = true;
    pthread_cond_signal(&m->cond);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);
    if (m->dropped)
        log_warning("ddos mitigation: %llu commands dropped (queue full)",
                    (unsigned long long)m->dropped);
    pthread_cond_destroy(&m->cond);
    pthread_mutex_destroy(&m->lock);
    free(m->jobs);
    free(m);
}
