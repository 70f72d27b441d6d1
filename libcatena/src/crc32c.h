// CRC-32C (Castagnoli, the iSCSI/ext4 polynomial 0x1EDC6F41, reflected), the checksum of every WAL
// record and block section. Uses the SSE4.2 crc32 instruction when the CPU has it, a slicing table
// otherwise; both give the same values (RFC 3720 B.4 test vectors in tests/catena).
#ifndef CISTERN_CATENA_SRC_CRC32C_H_
#define CISTERN_CATENA_SRC_CRC32C_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cistern::catena {

// Continues `crc` (0 to start) over `size` bytes.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size);
inline uint32_t Crc32c(const void* data, size_t size) { return Crc32cExtend(0, data, size); }
inline uint32_t Crc32c(std::string_view s) { return Crc32cExtend(0, s.data(), s.size()); }

// The table-driven path whatever the CPU, for tests that compare it with the SSE4.2 path.
uint32_t Crc32cPortableForTest(uint32_t crc, const void* data, size_t size);

}  // namespace cistern::catena

#endif  // CISTERN_CATENA_SRC_CRC32C_H_
