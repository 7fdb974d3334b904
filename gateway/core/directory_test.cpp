#include "gateway/core/directory.h"

#include <gtest/gtest.h>

#include <string>

namespace ketenpoort {
namespace {

using json = nlohmann::json;

json Org(std::string id, std::string kind = "care", json regions = json::array({"GM0518"})) {
  return json{{"id", id},
              {"name", "Organisation " + id},
              {"kind", kind},
              {"regions", regions},
              {"accepts", json::array({"referral", "status"})}};
}

json Doc(json orgs) {
  return json{{"version", 1}, {"organisations", orgs}};
}

// Four valid organisations, so tests can break the one at index 3.
json FourOrgs() {
  return json::array({Org("shop-denhaag", "care_coordination"),
                      Org("comensha", "national_registration", json::array({"NL"})),
                      Org("dehaven-denhaag"), Org("wende-denhaag", "shelter")});
}

// Loads `doc` and expects an invalid_directory error on `field` whose message contains `text`.
void ExpectError(const json& doc, const std::string& field, const std::string& text) {
  auto dir = Directory::FromJson(doc);
  ASSERT_FALSE(dir.ok()) << doc.dump();
  EXPECT_EQ(dir.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(dir.error().code, "invalid_directory");
  EXPECT_EQ(dir.error().field, field) << dir.error().message;
  EXPECT_NE(dir.error().message.find(text), std::string::npos) << dir.error().message;
}

TEST(DirectoryTest, LoadsAndFinds) {
  json doc = Doc(FourOrgs());
  doc["organisations"][0]["certificate"] =
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  doc["organisations"][0]["contact"] = "zorgcoordinatie@shop-denhaag.example.org";
  doc["organisations"][1]["gateway"] = "https://gw.comensha.example.org:8443";
  auto dir = Directory::FromJson(doc);
  ASSERT_TRUE(dir.ok()) << dir.error().ToString();
  ASSERT_EQ(dir->all().size(), 4u);
  EXPECT_EQ(dir->all()[2].id, "dehaven-denhaag");  // file order

  const Organisation* shop = dir->Find("shop-denhaag");
  ASSERT_NE(shop, nullptr);
  EXPECT_EQ(shop->kind, OrgKind::kCareCoordination);
  EXPECT_EQ(shop->regions, std::vector<std::string>{"GM0518"});
  EXPECT_TRUE(shop->Accepts("referral"));
  EXPECT_EQ(shop->contact_email, "zorgcoordinatie@shop-denhaag.example.org");
  EXPECT_TRUE(shop->gateway_url.empty());
  EXPECT_EQ(dir->Find("comensha")->gateway_url, "https://gw.comensha.example.org:8443");
  EXPECT_EQ(dir->Find("nobody"), nullptr);
  EXPECT_EQ(dir->Find(""), nullptr);
}

TEST(DirectoryTest, ToJsonRoundTrips) {
  json doc = Doc(FourOrgs());
  doc["organisations"][1]["gateway"] = "https://gw.comensha.example.org";
  auto dir = Directory::FromJson(doc);
  ASSERT_TRUE(dir.ok()) << dir.error().ToString();
  json out = dir->ToJson();
  EXPECT_EQ(out["version"], 1);
  EXPECT_TRUE(out["organisations"][0]["gateway"].is_null());
  EXPECT_EQ(out["organisations"][0]["certificate"], "");
  auto again = Directory::FromJson(out);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->all(), dir->all());
  EXPECT_EQ(again->ToJson(), out);
}

TEST(DirectoryTest, ParsesText) {
  auto dir = Directory::Parse(Doc(FourOrgs()).dump());
  ASSERT_TRUE(dir.ok()) << dir.error().ToString();
  EXPECT_NE(dir->Find("wende-denhaag"), nullptr);

  auto broken = Directory::Parse("{\"version\": 1,");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, "invalid_directory");
  EXPECT_NE(broken.error().message.find("not valid JSON"), std::string::npos);
}

TEST(DirectoryTest, RefusesARepeatedJsonKey) {
  // The second "kind" would silently win in most JSON readers.
  auto dir = Directory::Parse(R"({"version": 1, "organisations": [
      {"id": "x", "name": "X", "kind": "care", "kind": "police", "regions": ["NL"],
       "accepts": []}]})");
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.error().message.find("duplicate key 'kind'"), std::string::npos);
}

TEST(DirectoryTest, UnknownKindNamesTheFieldPath) {
  json doc = Doc(FourOrgs());
  doc["organisations"][3]["kind"] = "foo";
  ExpectError(doc, "organisations[3].kind", "unknown organisation kind 'foo'");
}

TEST(DirectoryTest, RefusesDuplicateIds) {
  json orgs = FourOrgs();
  orgs.push_back(Org("comensha", "national_registration", json::array({"NL"})));
  ExpectError(Doc(orgs), "organisations[4].id",
              "duplicate organisation id 'comensha' (also organisations[1])");
}

TEST(DirectoryTest, RefusesUnknownKeys) {
  json doc = Doc(FourOrgs());
  doc["organisations"][2]["certificat"] = "";
  ExpectError(doc, "organisations[2].certificat", "unknown key 'certificat'");

  json top = Doc(FourOrgs());
  top["routes"] = json::array();
  ExpectError(top, "routes", "unknown key");
}

TEST(DirectoryTest, RefusesWrongTypes) {
  json doc = Doc(FourOrgs());
  doc["organisations"][0]["regions"] = "GM0518";
  ExpectError(doc, "organisations[0].regions", "must be an array");

  doc = Doc(FourOrgs());
  doc["organisations"][1]["accepts"] = json::array({"signal", 8});
  ExpectError(doc, "organisations[1].accepts[1]", "must be a string");

  doc = Doc(FourOrgs());
  doc["organisations"][1]["name"] = 12;
  ExpectError(doc, "organisations[1].name", "must be a string");

  doc = Doc(FourOrgs());
  doc["organisations"][1]["gateway"] = false;
  ExpectError(doc, "organisations[1].gateway", "must be a string");

  ExpectError(json::array(), "", "must be an object");
  ExpectError(Doc(json::array({"shop"})), "organisations[0]", "must be an object");
  ExpectError(Doc(json::object()), "organisations", "must be an array");
}

TEST(DirectoryTest, RefusesMissingFields) {
  json doc = Doc(FourOrgs());
  doc["organisations"][2].erase("kind");
  ExpectError(doc, "organisations[2].kind", "is required");

  doc = Doc(FourOrgs());
  doc["organisations"][2].erase("accepts");
  ExpectError(doc, "organisations[2].accepts", "is required");

  doc = Doc(FourOrgs());
  doc.erase("version");
  ExpectError(doc, "version", "is required");

  ExpectError(json{{"version", 1}}, "organisations", "is required");
}

TEST(DirectoryTest, RefusesOtherVersions) {
  json doc = Doc(FourOrgs());
  doc["version"] = 2;
  ExpectError(doc, "version", "unsupported version 2");
  doc["version"] = "1";
  ExpectError(doc, "version", "must be an integer");
}

TEST(DirectoryTest, RefusesBadValues) {
  json doc = Doc(FourOrgs());
  doc["organisations"][0]["id"] = "SHOP Den Haag";
  ExpectError(doc, "organisations[0].id", "invalid organisation id 'SHOP Den Haag'");

  doc = Doc(FourOrgs());
  doc["organisations"][0]["regions"] = json::array({"GM0518", "Den Haag"});
  ExpectError(doc, "organisations[0].regions[1]", "invalid region 'Den Haag'");

  doc = Doc(FourOrgs());
  doc["organisations"][0]["regions"] = json::array({"GM0518", "GM0518"});
  ExpectError(doc, "organisations[0].regions[1]", "duplicate value 'GM0518'");

  doc = Doc(FourOrgs());
  doc["organisations"][0]["regions"] = json::array();
  ExpectError(doc, "organisations[0].regions", "at least one region");

  doc = Doc(FourOrgs());
  doc["organisations"][0]["accepts"] = json::array({"Referral"});
  ExpectError(doc, "organisations[0].accepts[0]", "invalid message kind 'Referral'");

  doc = Doc(FourOrgs());
  doc["organisations"][0]["certificate"] = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA";
  ExpectError(doc, "organisations[0].certificate", "PEM certificate");

  doc = Doc(FourOrgs());
  doc["organisations"][0]["gateway"] = "http://gw.example.org";
  ExpectError(doc, "organisations[0].gateway", "https://");

  doc = Doc(FourOrgs());
  doc["organisations"][0]["contact"] = "zorgcoordinatie at shop";
  ExpectError(doc, "organisations[0].contact", "e-mail address");

  doc = Doc(FourOrgs());
  doc["organisations"][0]["name"] = "";
  ExpectError(doc, "organisations[0].name", "must not be empty");
}

TEST(DirectoryTest, ThePortalHasNoRegion) {
  json orgs = FourOrgs();
  orgs.push_back(json{{"id", "portal"},
                      {"name", "Portal"},
                      {"kind", "portal"},
                      {"regions", json::array()},
                      {"accepts", json::array({"securemail"})}});
  auto dir = Directory::FromJson(Doc(orgs));
  ASSERT_TRUE(dir.ok()) << dir.error().ToString();
  EXPECT_EQ(dir->Find("portal")->kind, OrgKind::kPortal);
  EXPECT_TRUE(dir->Find("portal")->regions.empty());
}

TEST(DirectoryTest, FromOrganisationsValidatesLikeTheFile) {
  auto dir = Directory::FromJson(Doc(FourOrgs()));
  ASSERT_TRUE(dir.ok());
  std::vector<Organisation> orgs = dir->all();
  orgs[1].certificate_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  auto filled = Directory::FromOrganisations(orgs);
  ASSERT_TRUE(filled.ok()) << filled.error().ToString();
  EXPECT_EQ(filled->Find("comensha")->certificate_pem, orgs[1].certificate_pem);

  orgs[3].id = orgs[0].id;
  auto dup = Directory::FromOrganisations(orgs);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().field, "organisations[3].id");

  orgs[3].id = "wende-denhaag";
  orgs[2].certificate_pem = "garbage";
  auto bad = Directory::FromOrganisations(orgs);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "organisations[2].certificate");
}

TEST(DirectoryTest, DefaultIsEmpty) {
  Directory dir;
  EXPECT_TRUE(dir.all().empty());
  EXPECT_EQ(dir.Find("comensha"), nullptr);
  EXPECT_EQ(dir.ToJson(), json::parse(R"({"version": 1, "organisations": []})"));
}

}  // namespace
}  // namespace ketenpoort
