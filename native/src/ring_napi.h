// JS wrappers of the ring: RingProducer (createRing) and RingConsumer (openRing).
#pragma once
#include "napi_util.h"

namespace specula {

/** Registers the RingProducer/RingConsumer classes and the createRing/openRing exports. */
void InitRing(Napi::Env env, Napi::Object exports, AddonData* data);

// Indices of the caller's Float64Array filled by reads (ReadInfo in src/native/api.ts).
enum ReadInfoIndex : int {
  kInfoSeq = 0,
  kInfoGap = 1,
  kInfoOverrun = 2,
  kInfoLatestSeq = 3,
  kInfoHeartbeatAgeMs = 4,
  kInfoTCopiedNs = 5,
  kInfoTAcquiredNs = 6,
  kInfoFlags = 7,
  kReadInfoLength = 8,
  // Optional slot: callers whose info array has more than kReadInfoLength elements get the CRC-32
  // of the copied frame (header + payload) here, computed during the copy.
  kInfoCrc32 = 8,
};

}  // namespace specula
