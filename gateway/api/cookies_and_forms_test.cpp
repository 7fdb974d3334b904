#include "gateway/api/cookies_and_forms.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ketenpoort::api {
namespace {

Request WithHeader(const std::string& name, const std::string& value) {
  Request req;
  req.headers[name] = value;
  return req;
}

TEST(PortalRequestTest, CookieValueFindsTheNamedPairAmongOthers) {
  EXPECT_EQ(CookieValue(WithHeader("Cookie", "a=1; kp_portal=s3cr3t; b=2"), "kp_portal"), "s3cr3t");
  EXPECT_EQ(CookieValue(WithHeader("cookie", "  kp_portal=x%20y \t"), "kp_portal"), "x%20y");
  EXPECT_EQ(CookieValue(WithHeader("Cookie", "kp_portal=first; kp_portal=second"), "kp_portal"),
            "first");
}

TEST(PortalRequestTest, CookieValueIsEmptyWhenTheCookieIsAbsentOrOnlyAPrefix) {
  EXPECT_EQ(CookieValue(Request{}, "kp_portal"), "");
  EXPECT_EQ(CookieValue(WithHeader("Cookie", ""), "kp_portal"), "");
  EXPECT_EQ(CookieValue(WithHeader("Cookie", "kp_portal"), "kp_portal"), "");
  EXPECT_EQ(CookieValue(WithHeader("Cookie", "kp_portal="), "kp_portal"), "");
  EXPECT_EQ(CookieValue(WithHeader("Cookie", "kp_portalx=1; xkp_portal=2"), "kp_portal"), "");
  EXPECT_EQ(CookieValue(WithHeader("Cookie", ";;;"), "kp_portal"), "");
}

TEST(PortalRequestTest, FormFieldsDecodesAUrlEncodedBody) {
  Request req = WithHeader("Content-Type", "application/x-www-form-urlencoded");
  req.body = "csrf=a%2Bb&code=123+456";
  auto form = FormFields(req);
  ASSERT_TRUE(form.ok()) << form.error().code;
  EXPECT_EQ(form->at("csrf"), "a+b");
  EXPECT_EQ(form->at("code"), "123 456");
}

TEST(PortalRequestTest, FormFieldsRefusesOtherContentTypesAndBadBodies) {
  Request json = WithHeader("Content-Type", "application/json");
  json.body = "csrf=x";
  ASSERT_FALSE(FormFields(json).ok());
  EXPECT_EQ(FormFields(json).error().code, "unsupported_media_type");
  EXPECT_EQ(FormFields(json).error().field, "Content-Type");
  EXPECT_EQ(FormFields(Request{}).error().code, "unsupported_media_type");

  Request repeated = WithHeader("Content-Type", "application/x-www-form-urlencoded");
  repeated.body = "code=1&code=2";
  EXPECT_EQ(FormFields(repeated).error().code, "duplicate_query_parameter");
  Request nul = WithHeader("Content-Type", "application/x-www-form-urlencoded");
  nul.body = "code=%00";
  EXPECT_FALSE(FormFields(nul).ok());
}

TEST(PortalRequestTest, FormFieldListsKeepsEveryValueOfARepeatedName) {
  Request req = WithHeader("Content-Type", "application/x-www-form-urlencoded");
  req.body = "needs=shelter&csrf=x&needs=care&empty=";
  auto form = FormFieldLists(req);
  ASSERT_TRUE(form.ok()) << form.error().code;
  EXPECT_EQ(form->at("needs"), (std::vector<std::string>{"shelter", "care"}));
  EXPECT_EQ(form->at("csrf"), std::vector<std::string>{"x"});
  EXPECT_EQ(form->at("empty"), std::vector<std::string>{""});
  Request json = WithHeader("Content-Type", "application/json");
  EXPECT_EQ(FormFieldLists(json).error().code, "unsupported_media_type");
  req.body = "=1";
  EXPECT_EQ(FormFieldLists(req).error().code, "invalid_query");
}

}  // namespace
}  // namespace ketenpoort::api
