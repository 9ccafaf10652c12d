// fuzz_pack: PackReader::open on arbitrary bytes written to a file.
//
// Packs travel through tickets, so the analyzer opens files other people made. Whatever the
// bytes, open() must fail cleanly or give a reader whose every accessor works. The seed is a
// real (small) pack written by `oomscope collect --root` on a fixture tree.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/pack.h"

namespace {

// A private file, rewritten for every input (libFuzzer runs inputs one after another).
const std::string& pack_path() {
  static const std::string path = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/oomscope-fuzz-pack-XXXXXX";
    int fd = mkstemp(tmpl.data());
    if (fd < 0) std::abort();
    ::close(fd);
    std::atexit([] { ::unlink(pack_path().c_str()); });
    return tmpl;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = pack_path();
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) std::abort();
  size_t off = 0;
  while (off < size) {
    ssize_t n = ::write(fd, data + off, size - off);
    if (n <= 0) std::abort();
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  auto pack = oomscope::PackReader::open(path);
  if (!pack.ok()) {
    if (pack.error().message.empty()) std::abort();  // a rejection must say why
    return 0;
  }
  (void)pack->meta("hostname");
  (void)pack->meta("kernel_release");
  uint64_t n = 0;
  (void)pack->for_each_kernel_log_line([&](std::string_view line, const oomscope::KernelLogRow& row) {
    n += line.size() + row.message.size();
    return n < (64u << 20);
  });
  return 0;
}
