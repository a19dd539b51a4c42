// Shared-memory ring implementation (see ring.h for the layout and the publication protocol).
#include "ring.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>

#include "clock.h"
#include "crc32_copy.h"

namespace specula {

namespace {

// Non-private futex ops: the waiter and the waker are different processes sharing the mapping.
// Callers loop until their condition holds, so a futex that failed for any other reason than
// "woken / value changed / timed out / signal" would turn their wait into a spin, which a real-time
// thread must never do: sleep the slice instead.
int FutexWait(std::atomic<uint32_t>* word, uint32_t expected, uint64_t timeout_ns) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(timeout_ns / 1000000000ull);
  ts.tv_nsec = static_cast<long>(timeout_ns % 1000000000ull);
  const int rc = static_cast<int>(syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT, expected, &ts, nullptr, 0));
  if (rc != 0 && errno != EAGAIN && errno != ETIMEDOUT && errno != EINTR) nanosleep(&ts, nullptr);
  return rc;
}

void FutexWake(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

void ValidateName(const std::string& name) {
  if (name.size() < 2 || name.size() > 250 || name[0] != '/' || name.find('/', 1) != std::string::npos) {
    throw std::invalid_argument("name: a POSIX shm name must look like \"/prefix-ch0\" (leading '/', no other '/', 2..250 chars), got \"" + name + "\"");
  }
}

// Names of the rings this process created and has not closed. At exit() (process.exit() in
// Node skips environment cleanup) they are unlinked, so a clean shutdown leaves no segment behind
// even when JS never called close(). Only the names are removed: the mappings stay valid for any
// thread still running. Heap-allocated and never freed to dodge static destruction order.
std::mutex& RegistryMutex() {
  static auto* m = new std::mutex;
  return *m;
}
std::set<std::string>& Registry() {
  static auto* s = new std::set<std::string>;
  return *s;
}
void UnlinkRegisteredAtExit() {
  std::unique_lock<std::mutex> lk(RegistryMutex(), std::try_to_lock);
  if (!lk.owns_lock()) return;  // another thread is mid-create: leave it to reclaimStaleRings
  for (const auto& name : Registry()) shm_unlink(name.c_str());
  Registry().clear();
}
void Register(const std::string& name) {
  static std::once_flag once;
  std::call_once(once, [] { std::atexit(UnlinkRegisteredAtExit); });
  std::lock_guard<std::mutex> g(RegistryMutex());
  Registry().insert(name);
}
void Unregister(const std::string& name) {
  std::lock_guard<std::mutex> g(RegistryMutex());
  Registry().erase(name);
}

}  // namespace

[[noreturn]] void ThrowOs(const std::string& what, const std::string& name, int err) {
  throw std::runtime_error(what + " " + name + ": " + std::strerror(err));
}

bool PidDead(uint32_t pid) {
  if (pid == 0) return true;
  if (kill(static_cast<pid_t>(pid), 0) == -1 && errno == ESRCH) return true;
  // A killed child its parent has not reaped yet still answers kill(): treat zombies as dead.
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%u/stat", pid);
  FILE* f = std::fopen(path, "r");
  if (!f) return false;
  char buf[256];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* rp = std::strrchr(buf, ')');
  return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

RingMapping::~RingMapping() { Unmap(); }

void RingMapping::Unmap() {
  if (base_) munmap(base_, size_);
  base_ = nullptr;
  size_ = 0;
}

// ---------------------------------------------------------------- writer

RingWriter::RingWriter(const RingSpec& spec) {
  ValidateName(spec.name);
  if (spec.slots < 2 || spec.slots > 1024) throw std::out_of_range("slots: must be 2..1024, got " + std::to_string(spec.slots));
  if (spec.lines < 1 || spec.lines > 65536) throw std::out_of_range("lines: must be 1..65536, got " + std::to_string(spec.lines));
  if (spec.samples < 1 || spec.samples > 65536) throw std::out_of_range("samples: must be 1..65536, got " + std::to_string(spec.samples));
  const uint32_t es = DTypeSize(spec.dtype);
  if (!es) throw std::out_of_range("dtype: unknown dtype code " + std::to_string(spec.dtype) + " (1=U8 2=U16 3=F32 4=F64)");
  const uint64_t payload = static_cast<uint64_t>(spec.lines) * spec.samples * es;
  if (payload > 0x7fffffffull) throw std::out_of_range("lines*samples*dtype: payload above 2 GiB");
  name_ = spec.name;
  payload_bytes_ = static_cast<uint32_t>(payload);
  const uint64_t slots_offset = AlignUp(kRingHeaderBytes + 64ull * spec.slots, 4096);
  const uint64_t stride = AlignUp(kFrameHeaderBytes + payload, 4096);
  const uint64_t total = slots_offset + stride * spec.slots;

  int fd = -1;
  for (int attempt = 0; attempt < 2 && fd < 0; ++attempt) {
    fd = shm_open(name_.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) break;
    const int err = errno;
    if (err != EEXIST || attempt == 1) ThrowOs("shm_open", name_, err);
    // A segment of this name exists: reclaim it only when its owner is gone.
    uint32_t owner = 0;
    int ofd = shm_open(name_.c_str(), O_RDONLY, 0);
    if (ofd >= 0) {
      struct stat st;
      if (fstat(ofd, &st) == 0 && static_cast<size_t>(st.st_size) >= kRingHeaderBytes) {
        void* p = mmap(nullptr, kRingHeaderBytes, PROT_READ, MAP_SHARED, ofd, 0);
        if (p != MAP_FAILED) {
          auto* h = static_cast<RingHeader*>(p);
          if (h->magic.load(std::memory_order_acquire) == kRingMagic) owner = h->owner_pid;
          munmap(p, kRingHeaderBytes);
        }
      }
      close(ofd);
    }
    if (owner != 0 && !PidDead(owner)) {
      throw std::runtime_error("shm_open " + name_ + ": ring already exists and its owner pid " + std::to_string(owner) + " is alive");
    }
    shm_unlink(name_.c_str());
  }
  if (ftruncate(fd, static_cast<off_t>(total)) != 0) {
    const int err = errno;
    close(fd);
    shm_unlink(name_.c_str());
    ThrowOs("ftruncate", name_, err);
  }
  void* p = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
  const int merr = errno;
  close(fd);
  if (p == MAP_FAILED) {
    shm_unlink(name_.c_str());
    ThrowOs("mmap", name_, merr);
  }
  base_ = static_cast<uint8_t*>(p);
  size_ = total;
  RingHeader* h = hdr();  // fresh pages are zero: only non-zero fields need writing
  h->layout_version = kRingLayoutVersion;
  h->header_bytes = kRingHeaderBytes;
  h->slots = spec.slots;
  h->slot_stride = stride;
  h->slots_offset = slots_offset;
  h->total_bytes = total;
  h->payload_bytes = payload_bytes_;
  h->channel = spec.channel;
  h->lines = spec.lines;
  h->samples = spec.samples;
  h->dtype = spec.dtype;
  h->owner_pid = static_cast<uint32_t>(getpid());
  h->created_ns = MonotonicNs();
  h->heartbeat_ns.store(h->created_ns, std::memory_order_relaxed);
  // Pre-write the constant part of every slot's frame header.
  for (uint32_t i = 0; i < spec.slots; ++i) {
    auto* fh = reinterpret_cast<FrameHeader*>(slot(i));
    fh->magic = kFrameMagic;
    fh->version = kFrameHeaderVersion;
    fh->header_bytes = kFrameHeaderBytes;
    fh->channel = spec.channel;
    fh->lines = spec.lines;
    fh->samples = spec.samples;
    fh->dtype = static_cast<uint16_t>(spec.dtype);
    fh->payload_bytes = payload_bytes_;
  }
  h->magic.store(kRingMagic, std::memory_order_release);  // consumers may attach from here on
  Register(name_);
}

// A writer dropped without close() (e.g. its JS object collected) can never publish again: unlink.
RingWriter::~RingWriter() { Close(true); }

void RingWriter::WaitForAck(uint64_t seq) {
  RingHeader* h = hdr();
  const uint64_t K = h->slots;
  // Slot seq % K is free once the consumer acknowledged seq - K (K-1 frames may be in flight).
  if (seq <= K) return;
  const uint64_t need = seq - K;
  const uint64_t deadline = MonotonicNs() + lossless_timeout_ns_;
  while (h->ack_seq.load(std::memory_order_acquire) < need) {
    h->ack_waiters.fetch_add(1, std::memory_order_seq_cst);
    const uint32_t w = h->ack_futex.load(std::memory_order_seq_cst);
    if (h->ack_seq.load(std::memory_order_seq_cst) >= need) {
      h->ack_waiters.fetch_sub(1);
      break;
    }
    const uint64_t now = MonotonicNs();
    if (now >= deadline) {
      h->ack_waiters.fetch_sub(1);
      return;  // consumer gone or stuck: fall back to latest-wins rather than hang the producer
    }
    const uint64_t left = deadline - now;
    FutexWait(&h->ack_futex, w, left < 50000000ull ? left : 50000000ull);
    h->ack_waiters.fetch_sub(1);
  }
}

uint64_t RingWriter::Publish(const void* data, size_t bytes, uint64_t t_acquired_ns, uint32_t flags, uint64_t seq) {
  if (bytes != payload_bytes_) {
    throw std::out_of_range("payload: expected exactly " + std::to_string(payload_bytes_) + " bytes, got " + std::to_string(bytes));
  }
  uint8_t* dst = Begin(seq);
  std::memcpy(dst, data, bytes);
  return Commit(t_acquired_ns, flags);
}

uint8_t* RingWriter::Begin(uint64_t seq) {
  if (!base_) throw std::runtime_error("publish " + name_ + ": ring is closed");
  if (pending_seq_) throw std::logic_error("publish " + name_ + ": previous frame not committed");
  if (seq == 0) seq = last_seq_ + 1;
  if (seq <= last_seq_) {
    throw std::out_of_range("seq: must increase (last published " + std::to_string(last_seq_) + ", got " + std::to_string(seq) + ")");
  }
  if (lossless_) WaitForAck(seq);
  RingHeader* h = hdr();
  const uint32_t i = static_cast<uint32_t>(seq % h->slots);
  SlotCtl* c = ctl(i);
  c->lock.store(2 * seq - 1, std::memory_order_relaxed);  // odd: being written
  std::atomic_thread_fence(std::memory_order_release);
  c->prev_seq = last_seq_;
  pending_seq_ = seq;
  return slot(i) + kFrameHeaderBytes;
}

uint64_t RingWriter::Commit(uint64_t t_acquired_ns, uint32_t flags) {
  const uint64_t seq = pending_seq_;
  if (!seq || !base_) throw std::logic_error("commit " + name_ + ": no frame begun");
  if (last_seq_ != 0 && seq != last_seq_ + 1) flags |= kFlagSourceGap;
  RingHeader* h = hdr();
  const uint32_t i = static_cast<uint32_t>(seq % h->slots);
  SlotCtl* c = ctl(i);
  auto* fh = reinterpret_cast<FrameHeader*>(slot(i));
  fh->flags = flags;
  fh->seq = seq;
  fh->t_acquired_ns = t_acquired_ns;
  const uint64_t now = MonotonicNs();
  fh->t_ring_write_ns = now;
  c->lock.store(2 * seq, std::memory_order_release);  // even: complete
  h->latest_seq.store(seq, std::memory_order_seq_cst);
  h->heartbeat_ns.store(now, std::memory_order_relaxed);
  h->futex_word.fetch_add(1, std::memory_order_seq_cst);
  if (h->waiters.load(std::memory_order_seq_cst) != 0) FutexWake(&h->futex_word);
  last_seq_ = seq;
  pending_seq_ = 0;
  return seq;
}

void RingWriter::Heartbeat() {
  if (base_) hdr()->heartbeat_ns.store(MonotonicNs(), std::memory_order_relaxed);
}

void RingWriter::Close(bool unlink) {
  if (!base_) return;
  RingHeader* h = hdr();
  h->closed.store(1, std::memory_order_seq_cst);
  h->futex_word.fetch_add(1, std::memory_order_seq_cst);
  FutexWake(&h->futex_word);
  if (unlink) shm_unlink(name_.c_str());
  Unregister(name_);
  Unmap();
}

// ---------------------------------------------------------------- reader

RingReader::RingReader(const std::string& name, uint64_t dead_after_ns) : dead_after_ns_(dead_after_ns) {
  ValidateName(name);
  name_ = name;
  int fd = shm_open(name.c_str(), O_RDWR, 0);  // RW: consumers bump the waiter count and ack
  if (fd < 0) ThrowOs("shm_open", name, errno);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    ThrowOs("fstat", name, err);
  }
  if (static_cast<size_t>(st.st_size) < kRingHeaderBytes) {
    close(fd);
    throw std::runtime_error("openRing " + name + ": segment too small (" + std::to_string(st.st_size) + " bytes): not a ring or still being created");
  }
  void* p = mmap(nullptr, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
  const int merr = errno;
  close(fd);
  if (p == MAP_FAILED) ThrowOs("mmap", name, merr);
  base_ = static_cast<uint8_t*>(p);
  size_ = st.st_size;
  RingHeader* h = hdr();
  const uint32_t magic = h->magic.load(std::memory_order_acquire);
  std::string problem;
  if (magic != kRingMagic) problem = "bad magic (not a Specula ring, or still being created)";
  else if (h->layout_version != kRingLayoutVersion) problem = "layout version " + std::to_string(h->layout_version) + ", this build reads " + std::to_string(kRingLayoutVersion);
  else if (h->total_bytes != size_ || h->slots < 2 || h->header_bytes != kRingHeaderBytes) problem = "inconsistent header";
  if (!problem.empty()) {
    Unmap();
    throw std::runtime_error("openRing " + name + ": " + problem);
  }
}

bool RingReader::TryCopy(uint64_t seq, uint8_t* header_out, uint8_t* payload_out, uint64_t* prev_out, uint32_t* crc_out) {
  RingHeader* h = hdr();
  const uint32_t i = static_cast<uint32_t>(seq % h->slots);
  SlotCtl* c = ctl(i);
  const uint64_t v1 = c->lock.load(std::memory_order_acquire);
  if (v1 != 2 * seq) return false;
  const uint8_t* s = slot(i);
  if (crc_out) {
    // CRC folded into the copy: the bytes are read from shared memory once (see crc32_copy.h).
    const uint32_t c = CopyCrc32(header_out, s, kFrameHeaderBytes, 0);
    *crc_out = CopyCrc32(payload_out, s + kFrameHeaderBytes, h->payload_bytes, c);
  } else {
    std::memcpy(header_out, s, kFrameHeaderBytes);
    std::memcpy(payload_out, s + kFrameHeaderBytes, h->payload_bytes);
  }
  if (prev_out) *prev_out = c->prev_seq;
  std::atomic_thread_fence(std::memory_order_acquire);
  return c->lock.load(std::memory_order_relaxed) == v1;
}

void RingReader::Fill(ReadResult* r, uint64_t latest) const {
  r->latest = latest;
  r->heartbeat_age_ms = HeartbeatAgeMs();
}

double RingReader::HeartbeatAgeMs() const {
  const uint64_t hb = hdr()->heartbeat_ns.load(std::memory_order_relaxed);
  const uint64_t now = MonotonicNs();
  return now > hb ? static_cast<double>(now - hb) / 1e6 : 0.0;
}

int RingReader::Liveness() const {
  const RingHeader* h = hdr();
  if (h->closed.load(std::memory_order_acquire)) return kClosed;
  const double age_ms = HeartbeatAgeMs();
  if (age_ms * 1e6 > static_cast<double>(dead_after_ns_)) return kProducerDead;
  // The pid probe costs syscalls: only when the heartbeat is late (a live producer beats at least
  // every frame or every ~100 ms), so a killed producer is noticed within ~100 ms, cheaply.
  if (age_ms > 100.0 && PidDead(h->owner_pid)) return kProducerDead;
  return 0;
}

int RingReader::ReadLatest(uint8_t* header_out, uint8_t* payload_out, ReadResult* r, bool want_crc) {
  *r = ReadResult{};
  RingHeader* h = hdr();
  for (int attempt = 0; attempt < 8; ++attempt) {
    const uint64_t latest = h->latest_seq.load(std::memory_order_acquire);
    if (latest <= last_seq_) {
      Fill(r, latest);
      const int live = Liveness();
      return live != 0 ? live : kNoNewFrame;
    }
    if (TryCopy(latest, header_out, payload_out, nullptr, want_crc ? &r->crc32 : nullptr)) {
      r->t_copied_ns = MonotonicNs();
      r->seq = latest;
      r->gap = last_seq_ ? latest - last_seq_ - 1 : 0;
      last_seq_ = latest;
      Fill(r, h->latest_seq.load(std::memory_order_acquire));
      return kFrame;
    }
    r->overrun = true;  // rewritten while we copied: take the newest again
  }
  Fill(r, h->latest_seq.load(std::memory_order_acquire));
  return kNoNewFrame;
}

int RingReader::ReadNext(uint8_t* header_out, uint8_t* payload_out, ReadResult* r, bool want_crc) {
  *r = ReadResult{};
  RingHeader* h = hdr();
  const uint32_t K = h->slots;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const uint64_t latest = h->latest_seq.load(std::memory_order_acquire);
    if (latest <= last_seq_) {
      Fill(r, latest);
      const int live = Liveness();
      return live != 0 ? live : kNoNewFrame;
    }
    // The smallest complete sequence after ours still in a slot (handles source gaps and
    // frames overwritten before we got to them).
    uint64_t want = 0;
    for (uint32_t i = 0; i < K; ++i) {
      const uint64_t v = ctl(i)->lock.load(std::memory_order_acquire);
      if ((v & 1) == 0 && v / 2 > last_seq_ && v / 2 <= latest && (want == 0 || v / 2 < want)) want = v / 2;
    }
    if (want == 0) continue;
    uint64_t prev = 0;
    if (TryCopy(want, header_out, payload_out, &prev, want_crc ? &r->crc32 : nullptr)) {
      r->t_copied_ns = MonotonicNs();
      r->seq = want;
      // The first read joins at the oldest intact frame: no gap to report yet.
      r->gap = last_seq_ ? want - last_seq_ - 1 : 0;
      // Frames were lost to the producer lapping us (not to a source gap) when the frame before
      // this one is not the one we read last.
      if (last_seq_ && prev != last_seq_) r->overrun = true;
      last_seq_ = want;
      Fill(r, h->latest_seq.load(std::memory_order_acquire));
      return kFrame;
    }
    r->overrun = true;
  }
  Fill(r, h->latest_seq.load(std::memory_order_acquire));
  return kNoNewFrame;
}

int RingReader::WaitFor(uint64_t after_seq, uint64_t deadline_ns, const std::atomic<bool>* cancel) {
  RingHeader* h = hdr();
  for (;;) {
    if (cancel && cancel->load(std::memory_order_acquire)) return kClosed;
    h->waiters.fetch_add(1, std::memory_order_seq_cst);
    const uint32_t w = h->futex_word.load(std::memory_order_seq_cst);
    if (h->latest_seq.load(std::memory_order_seq_cst) > after_seq) {
      h->waiters.fetch_sub(1, std::memory_order_seq_cst);
      return kFrame;
    }
    const int live = Liveness();
    const uint64_t now = MonotonicNs();
    if (live != 0 || now >= deadline_ns) {
      h->waiters.fetch_sub(1, std::memory_order_seq_cst);
      return live != 0 ? live : kTimeout;
    }
    // Sleep in slices so a producer that dies without closing is noticed within ~50 ms.
    const uint64_t left = deadline_ns - now;
    FutexWait(&h->futex_word, w, left < 50000000ull ? left : 50000000ull);
    h->waiters.fetch_sub(1, std::memory_order_seq_cst);
  }
}

void RingReader::Ack(uint64_t seq) {
  RingHeader* h = hdr();
  uint64_t cur = h->ack_seq.load(std::memory_order_relaxed);
  while (seq > cur && !h->ack_seq.compare_exchange_weak(cur, seq, std::memory_order_seq_cst)) {
  }
  h->ack_futex.fetch_add(1, std::memory_order_seq_cst);
  if (h->ack_waiters.load(std::memory_order_seq_cst) != 0) FutexWake(&h->ack_futex);
}

void RingReader::WakeAll() { FutexWake(&hdr()->futex_word); }

// ---------------------------------------------------------------- reclaim

std::vector<std::string> ReclaimStaleRings(const std::string& prefix_in) {
  std::string prefix = prefix_in;
  if (!prefix.empty() && prefix[0] == '/') prefix.erase(0, 1);
  if (prefix.empty() || prefix.find('/') != std::string::npos) {
    throw std::invalid_argument("prefix: must be a non-empty shm name prefix without '/', got \"" + prefix_in + "\"");
  }
  std::vector<std::string> removed;
  DIR* d = opendir("/dev/shm");
  if (!d) ThrowOs("opendir", "/dev/shm", errno);
  while (dirent* e = readdir(d)) {
    const std::string entry = e->d_name;
    if (entry.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string name = "/" + entry;
    int fd = shm_open(name.c_str(), O_RDONLY, 0);
    if (fd < 0) continue;
    struct stat st;
    bool stale = false;
    if (fstat(fd, &st) == 0) {
      if (static_cast<size_t>(st.st_size) >= kRingHeaderBytes) {
        void* p = mmap(nullptr, kRingHeaderBytes, PROT_READ, MAP_SHARED, fd, 0);
        if (p != MAP_FAILED) {
          auto* h = static_cast<RingHeader*>(p);
          if (h->magic.load(std::memory_order_acquire) == kRingMagic) stale = PidDead(h->owner_pid);
          else stale = time(nullptr) - st.st_mtime > 10;  // creation never finished
          munmap(p, kRingHeaderBytes);
        }
      } else {
        stale = time(nullptr) - st.st_mtime > 10;
      }
    }
    close(fd);
    if (stale && shm_unlink(name.c_str()) == 0) removed.push_back(name);
  }
  closedir(d);
  return removed;
}

}  // namespace specula
