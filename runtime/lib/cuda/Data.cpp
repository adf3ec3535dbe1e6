// SPDX-License-Identifier: Apache-2.0
// gather_rows (CudaApi.h): a training batch assembled on the device from a dataset uploaded
// once, so that a step copies only its row indices (8 bytes an example) to the device.
#include "Launch.h"

namespace kiln::cuda {

int gatherRows(void *dst, const void *src, const int64_t *hostRows, int64_t count,
               size_t rowBytes) {
  const Driver *d = lastError() ? nullptr : driver();
  if (!d)
    return -1;
  if (count <= 0 || rowBytes == 0)
    return 0;
  size_t indexBytes = size_t(count) * sizeof(int64_t);
  // The indices' device copy goes back to the allocator once the gather is queued: the
  // allocator hands it out again only to work queued after it on this stream.
  void *rows = allocate(indexBytes);
  if (!rows)
    return -1;
  bool ok = check(d->cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(rows),
                                   reinterpret_cast<CUdeviceptr>(hostRows), indexBytes, stream()),
                  "copying a batch's row indices to the device");
  if (ok) {
    const bool words = rowBytes % 4 == 0;
    const int64_t perRow = int64_t(words ? rowBytes / 4 : rowBytes);
    launch(Image::kData, words ? "kiln_gpu_gather_rows_u32" : "kiln_gpu_gather_rows_u8",
           count * perRow, dst, src, static_cast<const int64_t *>(rows), count, perRow);
  }
  deallocate(rows);
  return lastError() ? -1 : 0;
}

} // namespace kiln::cuda
