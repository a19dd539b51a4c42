// The 64-byte frame header, mirrored from src/shared/frame-header.ts (the single definition).
// Every ring slot starts with one; the recorder and the display messages carry the same bytes.
// The static_asserts pin each offset so a change on either side fails the build or the
// layout test (src/native/frame-header-layout.test.ts compares frameHeaderLayout() with FH).
#pragma once
#include <cstddef>
#include <cstdint>

namespace specula {

constexpr uint32_t kFrameMagic = 0x48465053u;  // "SPFH" little-endian
constexpr uint16_t kFrameHeaderVersion = 1;
constexpr uint16_t kFrameHeaderBytes = 64;

enum class DType : uint16_t { U8 = 1, U16 = 2, F32 = 3, F64 = 4 };

enum FrameFlag : uint32_t {
  kFlagSimulated = 1u << 0,
  kFlagReplay = 1u << 1,
  kFlagReference = 1u << 2,
  kFlagSourceGap = 1u << 3,
  kFlagOverrun = 1u << 4,
  kFlagHeld = 1u << 5,
};

/** Bytes per sample of a dtype code, 0 when the code is unknown. */
inline uint32_t DTypeSize(uint32_t code) {
  switch (code) {
    case 1: return 1;
    case 2: return 2;
    case 3: return 4;
    case 4: return 8;
    default: return 0;
  }
}

#pragma pack(push, 1)
struct FrameHeader {
  uint32_t magic;
  uint16_t version;
  uint16_t header_bytes;
  uint32_t channel;
  uint32_t flags;
  uint64_t seq;
  uint64_t t_acquired_ns;
  uint64_t t_ring_write_ns;
  uint32_t lines;
  uint32_t samples;
  uint16_t dtype;
  uint16_t reserved0;
  uint32_t payload_bytes;
  uint64_t reserved1;
};
#pragma pack(pop)

static_assert(sizeof(FrameHeader) == kFrameHeaderBytes, "frame header is 64 bytes");
static_assert(offsetof(FrameHeader, magic) == 0, "FH.magic");
static_assert(offsetof(FrameHeader, version) == 4, "FH.version");
static_assert(offsetof(FrameHeader, header_bytes) == 6, "FH.headerBytes");
static_assert(offsetof(FrameHeader, channel) == 8, "FH.channel");
static_assert(offsetof(FrameHeader, flags) == 12, "FH.flags");
static_assert(offsetof(FrameHeader, seq) == 16, "FH.seq");
static_assert(offsetof(FrameHeader, t_acquired_ns) == 24, "FH.tAcquiredNs");
static_assert(offsetof(FrameHeader, t_ring_write_ns) == 32, "FH.tRingWriteNs");
static_assert(offsetof(FrameHeader, lines) == 40, "FH.lines");
static_assert(offsetof(FrameHeader, samples) == 44, "FH.samples");
static_assert(offsetof(FrameHeader, dtype) == 48, "FH.dtype");
static_assert(offsetof(FrameHeader, reserved0) == 50, "FH.reserved0");
static_assert(offsetof(FrameHeader, payload_bytes) == 52, "FH.payloadBytes");
static_assert(offsetof(FrameHeader, reserved1) == 56, "FH.reserved1");

}  // namespace specula
