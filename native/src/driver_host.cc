#include "driver_host.h"

#include <dlfcn.h>

#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "frame_header.h"

namespace specula {

namespace {

void ValidatePrefix(const std::string& p) {
  bool ok = !p.empty() && p.size() <= 200;
  for (char c : p) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  if (!ok) throw std::invalid_argument("prefix: must be [A-Za-z0-9_.-]{1,200}, got \"" + p + "\"");
}

}  // namespace

const specula_driver_api* DriverHost::LoadLibrary(const std::string& path, void** handle_out) {
  dlerror();
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    throw std::runtime_error("dlopen " + path + ": " + (e ? e : "unknown error"));
  }
  auto entry = reinterpret_cast<specula_driver_entry_fn>(dlsym(h, "specula_driver_entry"));
  if (!entry) {
    const char* e = dlerror();
    const std::string msg = "dlsym specula_driver_entry in " + path + ": " + (e ? e : "not found");
    dlclose(h);
    throw std::runtime_error(msg);
  }
  const specula_driver_api* api = entry();
  std::string problem;
  if (!api) problem = "specula_driver_entry() returned NULL";
  else if (api->abi_version != SPECULA_DRIVER_ABI_VERSION)
    problem = "driver ABI version " + std::to_string(api->abi_version) + ", this host speaks " + std::to_string(SPECULA_DRIVER_ABI_VERSION);
  else if (!api->open || !api->channel_count || !api->channel_info || !api->start || !api->stop || !api->last_error || !api->close)
    problem = "function table has NULL required entries";
  if (!problem.empty()) {
    dlclose(h);
    throw std::runtime_error("driver " + path + ": " + problem);
  }
  *handle_out = h;
  return api;
}

namespace {
std::atomic<uint64_t> g_next_host_id{1};
// Per thread: the guard it has in the host it last called into (hosts are keyed by a never-reused
// id, so a new host at a freed host's address cannot hit a stale entry).
thread_local uint64_t tl_host_id = 0;
thread_local RtGuard* tl_guard = nullptr;
}  // namespace

DriverHost::DriverHost(const specula_driver_api* api, void* dl_handle, const std::string& config, const std::string& prefix, uint32_t slots,
                       int realtime)
    : api_(api), dl_(dl_handle), id_(g_next_host_id.fetch_add(1)), rt_want_(RealtimeWanted(realtime)) {
  try {
    ValidatePrefix(prefix);
    host_ = specula_host{SPECULA_DRIVER_ABI_VERSION, this, &DriverHost::Emit, &DriverHost::Heartbeat, &DriverHost::Log,
                         &DriverHost::BeginFrame, &DriverHost::CommitFrame};
    char err[512] = {0};
    drv_ = api_->open(config.c_str(), &host_, err, sizeof err);
    if (!drv_) throw std::runtime_error(std::string("driver ") + name() + " open: " + (err[0] ? err : "failed (no reason given)"));
    const int n = api_->channel_count(drv_);
    if (n < 0) throw std::runtime_error(DriverError("channel_count"));
    if (n == 0) throw std::runtime_error(std::string("driver ") + name() + ": reports no channels");
    for (int i = 0; i < n; ++i) {
      auto c = std::make_unique<HostChannel>();
      if (api_->channel_info(drv_, static_cast<uint32_t>(i), &c->info) != 0) throw std::runtime_error(DriverError("channel_info"));
      if (c->info.channel > 65535) throw std::runtime_error(std::string("driver ") + name() + ": channel id " + std::to_string(c->info.channel) + " above 65535");
      if (c->info.channel < index_.size() && index_[c->info.channel] >= 0) {
        throw std::runtime_error(std::string("driver ") + name() + ": channel " + std::to_string(c->info.channel) + " listed twice");
      }
      RingSpec spec;
      spec.name = "/" + prefix + "-ch" + std::to_string(c->info.channel);
      spec.channel = c->info.channel;
      spec.lines = c->info.lines;
      spec.samples = c->info.samples;
      spec.dtype = c->info.dtype;
      spec.slots = slots;
      c->ring_name = spec.name;
      c->ring = std::make_unique<RingWriter>(spec);
      if (index_.size() <= c->info.channel) index_.resize(c->info.channel + 1, -1);
      index_[c->info.channel] = static_cast<int32_t>(chans_.size());
      chans_.push_back(std::move(c));
    }
  } catch (...) {
    Close();
    throw;
  }
}

DriverHost::~DriverHost() { Close(); }

std::string DriverHost::DriverError(const char* op) const {
  const char* e = drv_ ? api_->last_error(drv_) : nullptr;
  return std::string("driver ") + name() + " " + op + ": " + (e && e[0] ? e : "failed (no reason given)");
}

void DriverHost::Start() {
  if (!drv_) throw std::runtime_error("start: driver is closed");
  if (started_) return;
  accepting_.store(true);
  if (api_->start(drv_) != 0) {
    accepting_.store(false);
    throw std::runtime_error(DriverError("start"));
  }
  started_ = true;
}

void DriverHost::Stop() {
  if (!drv_ || !started_) return;
  const int rc = api_->stop(drv_);  // returns once the driver's threads no longer emit
  accepting_.store(false);
  started_ = false;
  if (rc != 0) throw std::runtime_error(DriverError("stop"));
}

void DriverHost::Control(const std::string& command) {
  if (!drv_) throw std::runtime_error("control: driver is closed");
  if (!api_->control) throw std::runtime_error(std::string("control: driver ") + name() + " takes no commands");
  if (api_->control(drv_, command.c_str()) != 0) throw std::runtime_error(DriverError("control"));
}

void DriverHost::Close() {
  if (drv_) {
    if (started_) api_->stop(drv_);
    started_ = false;
    accepting_.store(false);
    api_->close(drv_);
    drv_ = nullptr;
  }
  for (auto& c : chans_)
    if (c->ring) c->ring->Close(true);
  if (dl_) {
    dlclose(dl_);
    dl_ = nullptr;
  }
}

void DriverHost::GuardThread() {
  if (tl_host_id != id_) {
    // First callback of this thread into this host (or it alternates between hosts: rare).
    std::lock_guard<std::mutex> lk(rt_mu_);
    tl_host_id = id_;
    if (rt_guards_.size() >= 256) {
      // A driver that keeps creating threads: no more promotions (guards live as long as the host).
      tl_guard = &no_rt_guard_;
      return;
    }
    auto g = std::make_unique<RtGuard>();
    g->Enter(rt_want_, kDeviceRtPriority);
    tl_guard = g.get();
    rt_guards_.push_back(std::move(g));
    return;
  }
  tl_guard->Check();
}

bool DriverHost::realtime() const {
  std::lock_guard<std::mutex> lk(rt_mu_);
  for (const auto& g : rt_guards_)
    if (g->realtime()) return true;
  return false;
}

std::string DriverHost::realtime_state() const {
  std::lock_guard<std::mutex> lk(rt_mu_);
  std::string out;
  for (const auto& g : rt_guards_) {
    if (g->state() == RtState::kMainThread && rt_guards_.size() > 1) continue;
    const std::string d = g->Describe();
    if (out.find(d) == std::string::npos) out += (out.empty() ? "" : "; ") + d;
  }
  if (!out.empty()) return out;
  return rt_want_ ? "pending (no driver thread has called back yet)"
                  : (RealtimeDisabledByEnv() ? "normal priority: realtime off (SPECULA_REALTIME)" : "normal priority: realtime off (option)");
}

int DriverHost::Emit(void* ctx, uint32_t channel, const void* data, uint64_t bytes, uint64_t t_acquired_ns, uint32_t flags, uint64_t seq) {
  auto* self = static_cast<DriverHost*>(ctx);
  if (!self->accepting_.load(std::memory_order_acquire) || channel >= self->index_.size() || self->index_[channel] < 0) return -1;
  self->GuardThread();
  HostChannel& c = *self->chans_[self->index_[channel]];
  if (!data || bytes != c.ring->payload_bytes() || (seq != 0 && seq <= c.ring->last_seq())) {
    c.rejected.fetch_add(1, std::memory_order_relaxed);
    return -2;
  }
  try {  // never let an exception cross the C ABI into the driver's thread
    c.ring->Publish(data, bytes, t_acquired_ns, flags | c.info.flags, seq);
  } catch (...) {
    c.rejected.fetch_add(1, std::memory_order_relaxed);
    return -3;
  }
  c.published.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

HostChannel* DriverHost::Find(uint32_t channel) const {
  if (!accepting_.load(std::memory_order_acquire) || channel >= index_.size() || index_[channel] < 0) return nullptr;
  return chans_[index_[channel]].get();
}

void* DriverHost::BeginFrame(void* ctx, uint32_t channel, uint64_t seq) {
  auto* self = static_cast<DriverHost*>(ctx);
  HostChannel* c = self->Find(channel);
  if (!c) return nullptr;
  self->GuardThread();
  try {
    return c->ring->Begin(seq);
  } catch (...) {
    c->rejected.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
}

int DriverHost::CommitFrame(void* ctx, uint32_t channel, uint64_t t_acquired_ns, uint32_t flags) {
  HostChannel* c = static_cast<DriverHost*>(ctx)->Find(channel);
  if (!c || !c->ring->pending()) return -1;
  c->ring->Commit(t_acquired_ns, flags | c->info.flags);
  c->published.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

void DriverHost::Heartbeat(void* ctx) {
  auto* self = static_cast<DriverHost*>(ctx);
  self->GuardThread();
  for (auto& c : self->chans_)
    if (c->ring) c->ring->Heartbeat();
}

void DriverHost::Log(void* ctx, int level, const char* message) {
  auto* self = static_cast<DriverHost*>(ctx);
  std::fprintf(stderr, "[specula driver %s] %s%s\n", self->name(), level >= 2 ? "error: " : level == 1 ? "warning: " : "", message ? message : "");
}

}  // namespace specula
