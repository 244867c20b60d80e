// Handle ownership helpers shared by the libuv wrappers: the raw uv handle lives in its own
// heap block, so the C++ owner may die at any moment; closing is asynchronous and the close
// callback frees the block (libuv's handle-lifetime rule).
#pragma once

#include <uv.h>

namespace strata::core::detail {

template <typename UvHandle>
void closeAndFree(UvHandle* handle) {
  if (handle == nullptr) {
    return;
  }
  handle->data = nullptr;
  auto* base = reinterpret_cast<uv_handle_t*>(handle);
  if (!uv_is_closing(base)) {
    uv_close(base, [](uv_handle_t* h) { delete reinterpret_cast<UvHandle*>(h); });
  }
}

}  // namespace strata::core::detail
