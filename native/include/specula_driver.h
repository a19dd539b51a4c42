/*
 * Specula driver ABI, version 1: the C interface between the driver connector and a device
 * driver. A real driver is a shared library loaded with dlopen(); the built-in simulated device
 * implements the same interface inside the addon.
 *
 * A driver library exports exactly one symbol:
 *
 *     const specula_driver_api* specula_driver_entry(void);
 *
 * Life cycle, all calls from one host thread:
 *   open(config, host) → channel_count/channel_info → start → [control]* → stop → close.
 * The host creates one shared-memory ring per channel from channel_info before start(). Between
 * start() and the return of stop() the driver calls host->emit() from its own thread(s) (at most
 * one thread per channel at a time) for every acquired frame; emit copies the frame into the ring,
 * so the driver may reuse its buffer as soon as emit returns. After stop() returns the driver must
 * not call the host again. A driver that produces nothing for a while (paused, waiting for a
 * trigger) calls host->heartbeat() at least every 500 ms so consumers know it is alive.
 *
 * Errors: functions return 0 on success and a negative value on failure; last_error() then tells
 * why (a string owned by the driver, valid until the next call). open() reports its failure in
 * the caller's buffer (there is no driver handle yet).
 *
 * Frame data layout: row-major, `lines` rows of `samples` values of `dtype`, little-endian;
 * dtype codes as in src/shared/frame-header.ts (1 = u8, 2 = u16, 3 = f32, 4 = f64).
 * Timestamps: CLOCK_MONOTONIC nanoseconds (clock_gettime), the time the frame was acquired.
 */
#ifndef SPECULA_DRIVER_H
#define SPECULA_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SPECULA_DRIVER_ABI_VERSION 1u

#if defined(__GNUC__)
#define SPECULA_DRIVER_EXPORT __attribute__((visibility("default")))
#else
#define SPECULA_DRIVER_EXPORT
#endif

/** One channel the driver produces. */
typedef struct specula_channel_info {
  uint32_t channel; /* channel id 0..65535 (the ring is named <prefix>-ch<channel>) */
  uint32_t lines;   /* rows per frame */
  uint32_t samples; /* values per row */
  uint16_t dtype;   /* 1 u8, 2 u16, 3 f32, 4 f64 */
  uint16_t reserved;
  uint32_t flags;   /* frame flags set on every frame of this channel (e.g. 4 = Reference) */
} specula_channel_info;

/** What the host offers the driver. Valid from open() until close() returns. */
typedef struct specula_host {
  uint32_t abi_version; /* SPECULA_DRIVER_ABI_VERSION of the host */
  void* ctx;            /* pass back as the first argument of every callback */
  /**
   * Publish one frame of `channel`: `bytes` must equal lines*samples*dtype size. `seq` is the
   * device's frame counter for this channel (0 = previous + 1); a jump marks a source gap.
   * `flags` are OR-ed with the channel's flags. Returns 0, or a negative value when the frame
   * was rejected (unknown channel, wrong size, host stopping).
   */
  int (*emit)(void* ctx, uint32_t channel, const void* data, uint64_t bytes, uint64_t t_acquired_ns, uint32_t flags,
              uint64_t seq);
  /** "Alive, nothing to send": call at least every 500 ms while not emitting. */
  void (*heartbeat)(void* ctx);
  /** Optional diagnostics; level 0 info, 1 warning, 2 error. */
  void (*log)(void* ctx, int level, const char* message);
  /**
   * Zero-copy alternative to emit, for drivers that can write (or DMA) a frame straight into
   * shared memory: begin_frame returns the payload area of `channel`'s next ring slot (exactly
   * lines*samples*dtype bytes, 64-byte aligned) or NULL when rejected; fill it, then call
   * commit_frame. Consumers never see a half-written frame (the slot is locked in between).
   * Between begin and commit the same thread must not emit/begin on that channel.
   */
  void* (*begin_frame)(void* ctx, uint32_t channel, uint64_t seq);
  int (*commit_frame)(void* ctx, uint32_t channel, uint64_t t_acquired_ns, uint32_t flags);
} specula_host;

typedef struct specula_driver specula_driver; /* opaque driver instance */

/** The driver's function table. Every entry is required unless marked optional. */
typedef struct specula_driver_api {
  uint32_t abi_version; /* SPECULA_DRIVER_ABI_VERSION the driver was built against */
  const char* name;     /* short driver name, e.g. "acme-oct" */
  /** Open the device with a configuration string (JSON by convention). NULL on failure, with a
   *  NUL-terminated reason written to err[0..err_len). */
  specula_driver* (*open)(const char* config, const specula_host* host, char* err, size_t err_len);
  int (*channel_count)(specula_driver* d);
  int (*channel_info)(specula_driver* d, uint32_t index, specula_channel_info* out);
  int (*start)(specula_driver* d);
  int (*stop)(specula_driver* d);
  /** Optional (may be NULL): device-specific command, e.g. "pause". */
  int (*control)(specula_driver* d, const char* command);
  const char* (*last_error)(specula_driver* d);
  void (*close)(specula_driver* d);
} specula_driver_api;

typedef const specula_driver_api* (*specula_driver_entry_fn)(void);

/** The symbol every driver library exports. */
SPECULA_DRIVER_EXPORT const specula_driver_api* specula_driver_entry(void);

#ifdef __cplusplus
}
#endif

#endif /* SPECULA_DRIVER_H */
