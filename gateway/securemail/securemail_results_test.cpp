// The documents of securemail_results.h, byte for byte. Each whole expected document is what
// the service answered before its answers became types (recorded from a run through every
// step: an upload, two recipients who verify, open, download, preview, reply, miss a deadline,
// are re-sent to, fail a code or are locked out, a recall and an expiry), ids replaced by
// synthetic ones; so these tests show the types changed no document a client reads.
#include "gateway/securemail/securemail_results.h"

#include <cstdint>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ketenpoort::server {
namespace {

using nlohmann::json;
using Event = SecureMailTracking::Event;

constexpr std::int64_t kNow = 1795392000000;  // 2026-11-23T00:00:00.000Z
constexpr std::int64_t kDay = 24 * 3600 * 1000;

std::int64_t Second(std::int64_t n) {
  return kNow + n * 1000;
}

// `text` without its whitespace, as nlohmann::json writes a document (keys sorted): the
// expected documents below are laid out to be read.
std::string Compact(const std::string& text) {
  return json::parse(text).dump();
}

TEST(SecureMailResultsTest, AnUploadNamesItsIdSizeAndExpiry) {
  UploadAccepted upload{
      .attachment_id = "b-0f3c0f3c0f3c0f3c0f3c0f3c0f3c0f3c", .size = 10, .expires_ms = kNow + kDay};
  EXPECT_EQ(ToJson(upload).dump(), R"({"attachment_id":"b-0f3c0f3c0f3c0f3c0f3c0f3c0f3c0f3c",)"
                                   R"("expires":"2026-11-24T00:00:00.000Z","size":10})");
}

TEST(SecureMailResultsTest, AReplyFileIsDescribedAsTheReplyListsIt) {
  ReplyUploaded upload{
      .attachment_id = "b-1d2e1d2e1d2e1d2e1d2e1d2e1d2e1d2e",
      .size = 10,
      .sha256 = Bytes{0x09, 0xb0, 0xf5, 0x5b, 0x55, 0xa8, 0xe5, 0x7b, 0x3e, 0xa3, 0xb5,
                      0x36, 0xfc, 0x6b, 0x6f, 0x57, 0xb7, 0x2e, 0x1c, 0x98, 0x37, 0x75,
                      0x00, 0xd6, 0x0f, 0xe4, 0x69, 0xc7, 0x58, 0x2f, 0x27, 0x90},
      .envelope_der = Bytes{0x30, 0x82, 0x01, 0x00}};
  EXPECT_EQ(ToJson(upload).dump(),
            R"({"attachment_id":"b-1d2e1d2e1d2e1d2e1d2e1d2e1d2e1d2e","envelope":"MIIBAA==",)"
            R"("sha256":"09b0f55b55a8e57b3ea3b536fc6b6f57b72e1c98377500d60fe469c7582f2790",)"
            R"("size":10})");
}

TEST(SecureMailResultsTest, AReSendNamesTheAddresses) {
  EXPECT_EQ(ToJson(Resent{.id = "m-5f0c", .recipients = {"b@example.org"}}).dump(),
            R"({"id":"m-5f0c","recipients":["b@example.org"],"status":"resent"})");
}

TEST(SecureMailResultsTest, TrackingShowsEveryStepFirstTimesDownloadsAndWarnings) {
  SecureMailTracking t{.id = "m-5f0c",
                       .deadline_ms = kNow + 2 * kDay,
                       .expires_ms = kNow + 30 * kDay,
                       .expired = true,
                       .show_subject = true};
  t.recipients.push_back(
      {.email = "a@example.org",
       .verification = "email_code",
       .state = "replied",
       .notified_ms = Second(1),
       .verified_ms = Second(3),
       .opened_ms = Second(4),
       .replied_ms = Second(8),
       .downloads = {{.file = "agenda.txt", .time_ms = Second(5)},
                     {.file = "agenda.txt", .time_ms = Second(6), .preview = true}},
       .events = {
           Event{"submitted", Second(0), "email_code"}, Event{"notified", Second(1), "email_code"},
           Event{"code_sent", Second(2), "email_code"}, Event{"verified", Second(3), "email_code"},
           Event{"opened", Second(4), ""}, Event{"downloaded", Second(5), "agenda.txt"},
           Event{"previewed", Second(6), "agenda.txt"}, Event{"replied", Second(8), "m-7a1e"}}});
  t.recipients.push_back(
      {.email = "b@example.org",
       .verification = "email_code",
       .state = "notified",
       .notified_ms = Second(1),
       .failed_attempts = 1,
       .events = {
           Event{"submitted", Second(0), "email_code"}, Event{"notified", Second(1), "email_code"},
           Event{"code_sent", Second(8), "email_code"}, Event{"verify_failed", Second(8), "1"},
           Event{"deadline_warning", kNow + kDay, "2026-11-25T00:00:00.000Z"},
           Event{"resent", kNow + kDay + 1000, "email_code"},
           Event{"notified", kNow + kDay + 2000, "email_code"},
           Event{"code_sent", kNow + kDay + 2000, "email_code"},
           Event{"verify_failed", kNow + kDay + 2000, "1"}}});
  t.warnings.push_back({.email = "b@example.org", .time_ms = kNow + kDay, .reason = "not_opened"});
  EXPECT_EQ(ToJson(t).dump(), Compact(R"(
{
  "deadline":"2026-11-25T00:00:00.000Z",
  "expired":true,
  "expires":"2026-12-23T00:00:00.000Z",
  "id":"m-5f0c",
  "kind":"securemail",
  "recalled":null,
  "recipients":[
    {
      "downloads":[
        {"file":"agenda.txt","how":"download","time":"2026-11-23T00:00:05.000Z"},
        {"file":"agenda.txt","how":"preview","time":"2026-11-23T00:00:06.000Z"}
      ],
      "email":"a@example.org",
      "events":[
        {"detail":"email_code","event":"submitted","time":"2026-11-23T00:00:00.000Z"},
        {"detail":"email_code","event":"notified","time":"2026-11-23T00:00:01.000Z"},
        {"detail":"email_code","event":"code_sent","time":"2026-11-23T00:00:02.000Z"},
        {"detail":"email_code","event":"verified","time":"2026-11-23T00:00:03.000Z"},
        {"event":"opened","time":"2026-11-23T00:00:04.000Z"},
        {"detail":"agenda.txt","event":"downloaded","time":"2026-11-23T00:00:05.000Z"},
        {"detail":"agenda.txt","event":"previewed","time":"2026-11-23T00:00:06.000Z"},
        {"detail":"m-7a1e","event":"replied","time":"2026-11-23T00:00:08.000Z"}
      ],
      "failed_attempts":0,
      "locked":false,
      "notified":"2026-11-23T00:00:01.000Z",
      "opened":"2026-11-23T00:00:04.000Z",
      "replied":"2026-11-23T00:00:08.000Z",
      "state":"replied",
      "verification":"email_code",
      "verified":"2026-11-23T00:00:03.000Z"
    },
    {
      "downloads":[],
      "email":"b@example.org",
      "events":[
        {"detail":"email_code","event":"submitted","time":"2026-11-23T00:00:00.000Z"},
        {"detail":"email_code","event":"notified","time":"2026-11-23T00:00:01.000Z"},
        {"detail":"email_code","event":"code_sent","time":"2026-11-23T00:00:08.000Z"},
        {"detail":"1","event":"verify_failed","time":"2026-11-23T00:00:08.000Z"},
        {
          "detail":"2026-11-25T00:00:00.000Z",
          "event":"deadline_warning",
          "time":"2026-11-24T00:00:00.000Z"
        },
        {"detail":"email_code","event":"resent","time":"2026-11-24T00:00:01.000Z"},
        {"detail":"email_code","event":"notified","time":"2026-11-24T00:00:02.000Z"},
        {"detail":"email_code","event":"code_sent","time":"2026-11-24T00:00:02.000Z"},
        {"detail":"1","event":"verify_failed","time":"2026-11-24T00:00:02.000Z"}
      ],
      "failed_attempts":1,
      "locked":false,
      "notified":"2026-11-23T00:00:01.000Z",
      "opened":null,
      "replied":null,
      "state":"notified",
      "verification":"email_code",
      "verified":null
    }
  ],
  "show_subject":true,
  "warnings":[{"email":"b@example.org","reason":"not_opened","time":"2026-11-24T00:00:00.000Z"}]
})"));
}

TEST(SecureMailResultsTest, TrackingWritesTimesNotSetAsNull) {
  SecureMailTracking t{.id = "m-9c3b"};
  t.recipients.push_back({.email = "plain@example.org",
                          .verification = "email_code",
                          .state = "notified",
                          .notified_ms = Second(1),
                          .events = {Event{"submitted", Second(0), "email_code"},
                                     Event{"notified", Second(1), "email_code"}}});
  EXPECT_EQ(
      ToJson(t).dump(),
      R"({"deadline":null,"expired":false,"expires":null,"id":"m-9c3b","kind":"securemail",)"
      R"("recalled":null,"recipients":[{"downloads":[],"email":"plain@example.org","events":[)"
      R"({"detail":"email_code","event":"submitted","time":"2026-11-23T00:00:00.000Z"},)"
      R"({"detail":"email_code","event":"notified","time":"2026-11-23T00:00:01.000Z"}],)"
      R"("failed_attempts":0,"locked":false,"notified":"2026-11-23T00:00:01.000Z",)"
      R"("opened":null,"replied":null,"state":"notified","verification":"email_code",)"
      R"("verified":null}],"show_subject":false,"warnings":[]})");
  // A recalled message: its time, and a recipient locked out by wrong codes.
  t.recalled_ms = kNow + kDay + 3000;
  t.recipients[0].state = "locked";
  t.recipients[0].locked = true;
  t.recipients[0].failed_attempts = 5;
  const json recalled = ToJson(t);
  EXPECT_EQ(recalled["recalled"], "2026-11-24T00:00:03.000Z");
  EXPECT_EQ(recalled["recipients"][0]["state"], "locked");
  EXPECT_EQ(recalled["recipients"][0]["locked"], true);
  EXPECT_EQ(recalled["recipients"][0]["failed_attempts"], 5);
}

}  // namespace
}  // namespace ketenpoort::server
