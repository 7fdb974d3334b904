#include "gateway/securemail/portal/qr_svg.h"

#include <qrencode.h>

#include <cerrno>
#include <cstddef>
#include <memory>

namespace ketenpoort::portal {

namespace {

struct QrCodeFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};
using QrCodePtr = std::unique_ptr<QRcode, QrCodeFree>;

constexpr int kQuietZone = 4;  // modules of white around the symbol (ISO/IEC 18004)
constexpr int kPixelsPerModule = 4;
constexpr std::size_t kMaxBytes = 2331;  // version 40, level M, 8-bit mode

}  // namespace

Result<std::string> QrSvg(std::string_view text) {
  if (text.empty())
    return InvalidArgument("qr_empty", "there is no text to put in a QR code");
  if (text.size() > kMaxBytes)
    return TooLarge("qr_too_large", "the text is too long for a QR code");
  errno = 0;
  QrCodePtr code(QRcode_encodeData(static_cast<int>(text.size()),
                                   reinterpret_cast<const unsigned char*>(text.data()),
                                   /*version=*/0, QR_ECLEVEL_M));
  if (code == nullptr) {
    if (errno == ERANGE)
      return TooLarge("qr_too_large", "the text is too long for a QR code");
    return Internal("qr_failed", "the QR code could not be made");
  }
  const int width = code->width;
  const std::string size = std::to_string(width + 2 * kQuietZone);
  const std::string pixels = std::to_string((width + 2 * kQuietZone) * kPixelsPerModule);

  // One subpath per horizontal run of dark modules: "M x y h n v1 h -n z".
  std::string path;
  for (int y = 0; y < width; ++y) {
    const unsigned char* row = code->data + static_cast<std::size_t>(y) * width;
    for (int x = 0; x < width;) {
      if ((row[x] & 1) == 0) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < width && (row[x + run] & 1) != 0)
        ++run;
      const std::string n = std::to_string(run);
      path += "M" + std::to_string(x + kQuietZone) + " " + std::to_string(y + kQuietZone) + "h" +
              n + "v1h-" + n + "z";
      x += run;
    }
  }

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + size + " " + size +
                    "\" width=\"" + pixels + "\" height=\"" + pixels +
                    "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code\">";
  svg += "<rect width=\"" + size + "\" height=\"" + size + "\" fill=\"#fff\"/>";
  svg += "<path fill=\"#000\" d=\"" + path + "\"/>";
  svg += "</svg>";
  return svg;
}

}  // namespace ketenpoort::portal
