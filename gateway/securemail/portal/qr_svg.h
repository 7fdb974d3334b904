// A QR code as inline SVG markup, for the portal's enrolment page: the otpauth:// URI of a
// secure-mail account (gateway/crypto/totp.h) that a person scans with an authenticator app.
// The symbol is libqrencode's (8-bit mode, error correction level M, the smallest version that
// fits); this file only draws it.
//
//   // (compiled in examples_test.cpp)
//   KP_ASSIGN_OR_RETURN(std::string svg, QrSvg(OtpAuthUri("Ketenpoort", email, secret)));
//   card.qr_svg = svg;                   // inserted into the page as is (see EnrolmentCard)
//
// Contract: the result is one <svg> element with a viewBox in module units (the symbol plus a
// quiet zone of 4 modules on every side), width and height of 4 px per module,
// shape-rendering="crispEdges", role="img" and an aria-label, a white background <rect> and
// exactly one <path> holding every dark module. It contains no script, no style attribute, no
// link and no reference to anything outside itself, so it is safe under the portal's
// Content-Security-Policy and may be inserted without escaping; `text` itself never appears in
// it. The same text always gives the same markup. Errors: empty text kInvalidArgument
// `qr_empty`; text too long for a QR code (more than 2331 bytes at level M) kTooLarge
// `qr_too_large`; any other libqrencode failure kInternal `qr_failed`. Messages never contain
// the text (it may carry a secret).
//
// Threads: safe to call concurrently (Debian's libqrencode is built thread-safe).
#pragma once

#include <string>
#include <string_view>

#include "gateway/core/error.h"

namespace ketenpoort::portal {

// `text` (bytes, any content) as a QR code in SVG.
Result<std::string> QrSvg(std::string_view text);

}  // namespace ketenpoort::portal
