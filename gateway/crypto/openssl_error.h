// Turning OpenSSL's thread-local error queue into an `Error`.
//
// OpenSSL reports failures by pushing entries onto a per-thread queue. Every failure we turn into
// an Error must also empty that queue, or a stale entry will be blamed for the next failure. The
// queue's text never reaches a client: `LastOpenSslError` keeps only OpenSSL's short reason
// ("no start line", "wrong tag"), which is fine for kInternal errors and the CLI; for errors that
// go back to a client, build the Error yourself and pass it through `DropOpenSslErrors`.
//
//   // (compiled in examples_test.cpp)
//   ossl::Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
//   if (!key) return LastOpenSslError("key_generation_failed", "cannot generate an EC key");
//       // -> Error{kInternal, "key_generation_failed", "cannot generate an EC key (...)"}
//
//   if (d2i_CMS_ContentInfo(...) == nullptr)
//     return DropOpenSslErrors(InvalidArgument("invalid_envelope", "not a CMS structure"));
#pragma once

#include <string>

#include "gateway/core/error.h"

namespace ketenpoort::crypto {

// OpenSSL's short reason for the most recent queued failure ("" when the queue is empty). Does not
// clear the queue.
std::string OpenSslReason();

// Empties this thread's OpenSSL error queue.
void ClearOpenSslErrors();

// kInternal error with `code`; `message` gets OpenSSL's short reason appended in parentheses.
// Clears the queue.
Error LastOpenSslError(std::string code, std::string message);

// Returns `error` unchanged after clearing the queue.
Error DropOpenSslErrors(Error error);

}  // namespace ketenpoort::crypto
