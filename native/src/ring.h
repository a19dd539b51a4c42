// Shared-memory frame ring: one POSIX shm segment per channel, single producer, any number of
// consumers in any process. Pure C++ (no N-API) so drivers' threads and the addon share it.
//
// Segment layout (all offsets from the start of the mapping):
//   [0, 320)               RingHeader: identity + geometry, then producer/consumer words on
//                          their own cache lines.
//   [320, 320 + 64*K)      SlotCtl[K]: the per-slot seqlock word (one cache line each).
//   [slotsOffset + i*stride) slot i: 64-byte FrameHeader + payload; stride page-aligned.
//
// Publication (writer of sequence s into slot s % K):
//   lock = 2s-1 (odd: being written) → header + payload → lock = 2s (complete) → latestSeq = s
//   → futexWord += 1 → FUTEX_WAKE if waiters > 0.
// A reader wanting s checks lock == 2s before and after its copy; any other value means the slot
// was rewritten under it (overrun), so a torn frame is never returned.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "frame_header.h"

namespace specula {

constexpr uint32_t kRingMagic = 0x47525053u;  // "SPRG" little-endian
constexpr uint32_t kRingLayoutVersion = 1;
constexpr size_t kRingHeaderBytes = 320;

struct RingHeader {
  // Identity and geometry: written once by the producer before `magic` is stored (release).
  std::atomic<uint32_t> magic;
  uint32_t layout_version;
  uint32_t header_bytes;
  uint32_t slots;
  uint64_t slot_stride;
  uint64_t slots_offset;
  uint64_t total_bytes;
  uint32_t payload_bytes;
  uint32_t channel;
  uint32_t lines;
  uint32_t samples;
  uint32_t dtype;
  uint32_t owner_pid;
  uint64_t created_ns;
  // Producer state, read by every consumer.
  alignas(64) std::atomic<uint64_t> latest_seq;
  std::atomic<uint64_t> heartbeat_ns;
  std::atomic<uint32_t> closed;
  // Wake-up: bumped on every publish; consumers sleep on it with FUTEX_WAIT (non-private).
  alignas(64) std::atomic<uint32_t> futex_word;
  std::atomic<uint32_t> waiters;
  // Optional flow control for lossless transfer (bench, replay): the consumer that acknowledges
  // stores the last sequence it finished; a producer in lossless mode waits on it.
  alignas(64) std::atomic<uint64_t> ack_seq;
  std::atomic<uint32_t> ack_futex;
  std::atomic<uint32_t> ack_waiters;
};
static_assert(sizeof(RingHeader) == kRingHeaderBytes, "ring header is 320 bytes");
static_assert(std::atomic<uint64_t>::is_always_lock_free, "u64 atomics must be lock-free to live in shm");
static_assert(std::atomic<uint32_t>::is_always_lock_free, "u32 atomics must be lock-free to live in shm");

struct alignas(64) SlotCtl {
  std::atomic<uint64_t> lock;
  // Sequence published just before this slot's frame: lets readNext tell frames lost to the
  // producer lapping it (overrun) from sequence jumps at the source.
  uint64_t prev_seq;
  uint8_t pad[48];
};
static_assert(sizeof(SlotCtl) == 64, "slot control is one cache line");

/** Geometry of a new ring. */
struct RingSpec {
  std::string name;
  uint32_t channel = 0;
  uint32_t lines = 0;
  uint32_t samples = 0;
  uint32_t dtype = 2;
  uint32_t slots = 4;
};

/** Throws std::runtime_error("<what> <name>: <strerror>") for OS failures. */
[[noreturn]] void ThrowOs(const std::string& what, const std::string& name, int err);

/** A mapped segment (producer or consumer side). Not copyable. */
class RingMapping {
 public:
  RingMapping() = default;
  ~RingMapping();
  RingMapping(const RingMapping&) = delete;
  RingMapping& operator=(const RingMapping&) = delete;

  RingHeader* hdr() const { return reinterpret_cast<RingHeader*>(base_); }
  SlotCtl* ctl(uint32_t i) const { return reinterpret_cast<SlotCtl*>(base_ + kRingHeaderBytes) + i; }
  uint8_t* slot(uint32_t i) const { return base_ + hdr()->slots_offset + static_cast<uint64_t>(i) * hdr()->slot_stride; }
  const std::string& name() const { return name_; }
  bool mapped() const { return base_ != nullptr; }
  void Unmap();

 protected:
  uint8_t* base_ = nullptr;
  size_t size_ = 0;
  std::string name_;
};

/** The single writer. Thread-compatible: one thread publishes at a time. */
class RingWriter : public RingMapping {
 public:
  /** Creates (O_EXCL) the segment; an existing one whose owner is dead is reclaimed first. */
  explicit RingWriter(const RingSpec& spec);
  ~RingWriter();
  /**
   * Copy `bytes` (must equal payload bytes) into the next slot and publish it. `seq` 0 = next.
   * In lossless mode first waits (up to `lossless_timeout_ns`) until the acknowledged sequence
   * leaves a free slot. Returns the sequence published.
   */
  uint64_t Publish(const void* data, size_t bytes, uint64_t t_acquired_ns, uint32_t flags, uint64_t seq = 0);
  /**
   * Zero-copy publication in two steps: Begin returns the payload area of the next slot (the slot
   * is marked "being written"), the caller fills exactly payload_bytes, then Commit publishes it.
   * Publish = Begin + memcpy + Commit.
   */
  uint8_t* Begin(uint64_t seq);
  uint64_t Commit(uint64_t t_acquired_ns, uint32_t flags);
  bool pending() const { return pending_seq_ != 0; }
  void Heartbeat();
  /** Mark closed, wake everyone, unmap; unlink the name when `unlink`. Idempotent. */
  void Close(bool unlink);
  void SetLossless(bool on, uint64_t timeout_ns) { lossless_ = on; lossless_timeout_ns_ = timeout_ns; }
  uint64_t last_seq() const { return last_seq_; }
  uint32_t payload_bytes() const { return payload_bytes_; }
  uint64_t slot_stride() const { return hdr() ? hdr()->slot_stride : 0; }

 private:
  void WaitForAck(uint64_t seq);
  uint64_t last_seq_ = 0;
  uint64_t pending_seq_ = 0;
  uint32_t payload_bytes_ = 0;
  bool lossless_ = false;
  uint64_t lossless_timeout_ns_ = 0;
};

/** Outcome of a read, mirrors ReadStatus in src/native/api.ts. */
enum ReadStatus : int { kFrame = 1, kNoNewFrame = 0, kTimeout = -1, kProducerDead = -2, kClosed = -3 };

struct ReadResult {
  uint64_t seq = 0;
  uint64_t gap = 0;
  bool overrun = false;
  uint64_t latest = 0;
  double heartbeat_age_ms = 0;
  uint64_t t_copied_ns = 0;
  /** CRC-32 (zlib) of header + payload as copied; valid when the read was asked for it. */
  uint32_t crc32 = 0;
};

/** One reader's view. Any number per ring and per process; each keeps its own position. */
class RingReader : public RingMapping {
 public:
  explicit RingReader(const std::string& name, uint64_t dead_after_ns);
  /**
   * Newest frame if newer than the last one read (latest-wins). With `want_crc` the CRC-32 of the
   * 64-byte header followed by the payload is computed during the copy (r->crc32).
   */
  int ReadLatest(uint8_t* header_out, uint8_t* payload_out, ReadResult* r, bool want_crc = false);
  /** The frame after the last one read, or the oldest still intact if it was overwritten. */
  int ReadNext(uint8_t* header_out, uint8_t* payload_out, ReadResult* r, bool want_crc = false);
  /**
   * Block the calling thread until latest_seq > after_seq, the ring closes, the producer dies,
   * `deadline_ns` (CLOCK_MONOTONIC) passes, or `*cancel` becomes true. Never blocks forever.
   */
  int WaitFor(uint64_t after_seq, uint64_t deadline_ns, const std::atomic<bool>* cancel);
  /** Acknowledge frames up to `seq` for a lossless producer. */
  void Ack(uint64_t seq);
  /** Wake every waiter of this ring (used to cancel a wait). Spurious wake-ups are harmless. */
  void WakeAll();
  uint64_t LatestSeq() const { return hdr()->latest_seq.load(std::memory_order_acquire); }
  double HeartbeatAgeMs() const;
  /** Closed by the producer, or producer process gone / heartbeat older than the dead threshold. */
  int Liveness() const;
  uint64_t last_seq() const { return last_seq_; }

 private:
  bool TryCopy(uint64_t seq, uint8_t* header_out, uint8_t* payload_out, uint64_t* prev_out, uint32_t* crc_out);
  void Fill(ReadResult* r, uint64_t latest) const;
  uint64_t last_seq_ = 0;
  uint64_t dead_after_ns_;
};

/** True when no process with this pid exists (kill(pid, 0) == ESRCH). */
bool PidDead(uint32_t pid);

/** Unlinks rings under /dev/shm named `<prefix>*` whose owner pid is dead; returns "/name"s. */
std::vector<std::string> ReclaimStaleRings(const std::string& prefix);

}  // namespace specula
