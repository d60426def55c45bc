#include "app/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <stdexcept>
#include <string>

namespace {

using namespace brainstem;
using namespace brainstem::app;

std::string env_name(const std::string& dotted) {
  std::string out = "BRAINSTEM_";
  for (char c : dotted) out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Each test starts with no BRAINSTEM_* setting in the environment and leaves none behind;
// whatever the outer environment had is put back afterwards.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "brainstem-config-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    for (const auto& name : setting_names()) {
      std::string var = env_name(name);
      if (const char* v = std::getenv(var.c_str())) saved_[var] = v;
      unsetenv(var.c_str());
    }
  }

  void TearDown() override {
    for (const auto& name : setting_names()) unsetenv(env_name(name).c_str());
    for (const auto& [var, value] : saved_) setenv(var.c_str(), value.c_str(), 1);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string write(const std::string& name, const std::string& text) {
    auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> saved_;
};

TEST_F(ConfigTest, DefaultsWithoutFileOrEnvironment) {
  auto c = load_config("");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
  EXPECT_EQ(c->data_dir, "./brainstem-data");
  EXPECT_EQ(c->threads, 2);
  EXPECT_EQ(c->blocking_threads, 4);
  EXPECT_EQ(c->max_body_bytes, 1 << 20);
  EXPECT_EQ(c->token_ttl_s, 24 * 3600);
  EXPECT_FALSE(c->email_verification);
  EXPECT_TRUE(c->jwt_secret.empty());
  EXPECT_EQ(c->limits.per_minute, 600);
  EXPECT_EQ(c->limits.per_hour, 20000);
  EXPECT_EQ(c->limits.per_day, 200000);
  EXPECT_TRUE(c->tenant_limits.empty());
  EXPECT_EQ(c->log_level, "info");
  EXPECT_TRUE(c->access_log);
  EXPECT_TRUE(validate(*c).is_ok());
  EXPECT_EQ(c->host(), "127.0.0.1");
  EXPECT_EQ(c->port(), 8080);
}

TEST_F(ConfigTest, SettingNamesAreDottedAndCoverKnownSettings) {
  auto names = setting_names();
  for (const char* expected : {"data_dir", "server.listen", "server.threads", "server.max_body_bytes",
                               "auth.jwt_secret", "limits.requests_per_minute", "log.level"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
}

TEST_F(ConfigTest, TomlFileSetsServerLimitsAndTenants) {
  auto path = write("brainstem.toml", R"(
data_dir = "/var/lib/brainstem"

[server]
listen = "0.0.0.0:9090"
threads = 8
max_body_bytes = 4096

[auth]
email_verification = true
token_ttl_s = 3600

[limits]
requests_per_minute = 100
requests_per_hour = 1000
requests_per_day = 10000

[limits.tenants.acme]
requests_per_minute = 5

[limits.tenants.globex]
requests_per_day = 7

[log]
level = "debug"
access = false

[[models]]
id = "fixed-model"
provider = "openai"
base_url = "http://127.0.0.1:18080/v1"
languages = ["python", "go"]
price_in_per_1k = 0.5
slots = 2
prompt_cache = false
)");
  auto c = load_config(path);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->data_dir, "/var/lib/brainstem");
  ASSERT_EQ(c->models.size(), 1u);
  EXPECT_EQ(c->models[0].id, "fixed-model");
  EXPECT_EQ(c->models[0].provider, "openai");
  EXPECT_EQ(c->models[0].base_url, "http://127.0.0.1:18080/v1");
  EXPECT_EQ(c->models[0].languages, (std::vector<std::string>{"python", "go"}));
  EXPECT_DOUBLE_EQ(c->models[0].price_in_per_1k, 0.5);
  EXPECT_EQ(c->models[0].slots, 2);
  EXPECT_FALSE(c->models[0].prompt_cache);
  EXPECT_EQ(c->listen, "0.0.0.0:9090");
  EXPECT_EQ(c->host(), "0.0.0.0");
  EXPECT_EQ(c->port(), 9090);
  EXPECT_EQ(c->threads, 8);
  EXPECT_EQ(c->max_body_bytes, 4096);
  EXPECT_TRUE(c->email_verification);
  EXPECT_EQ(c->token_ttl_s, 3600);
  EXPECT_EQ(c->limits.per_minute, 100);
  EXPECT_EQ(c->limits.per_hour, 1000);
  EXPECT_EQ(c->limits.per_day, 10000);
  ASSERT_EQ(c->tenant_limits.count("acme"), 1u);
  EXPECT_EQ(c->tenant_limits.at("acme").per_minute, 5);
  // Windows a tenant table leaves out come from [limits].
  EXPECT_EQ(c->tenant_limits.at("acme").per_hour, 1000);
  EXPECT_EQ(c->tenant_limits.at("acme").per_day, 10000);
  ASSERT_EQ(c->tenant_limits.count("globex"), 1u);
  EXPECT_EQ(c->tenant_limits.at("globex").per_day, 7);
  EXPECT_EQ(c->tenant_limits.at("globex").per_minute, 100);
  EXPECT_EQ(c->log_level, "debug");
  EXPECT_FALSE(c->access_log);
  EXPECT_TRUE(validate(*c).is_ok());
}

TEST_F(ConfigTest, AModelSettingOfTheWrongTypeIsRefusedByName) {
  auto path = write("brainstem.toml", "[[models]]\nid = \"m\"\nprovider = \"llama\"\npath = \"m.gguf\"\nprompt_cache = \"yes\"\n");
  auto c = load_config(path);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("models[0].prompt_cache must be true or false"), std::string::npos) << c.status().message();
}

TEST_F(ConfigTest, EnvironmentOverridesFile) {
  auto path = write("brainstem.toml", "[server]\nlisten = \"0.0.0.0:9090\"\nthreads = 3\n");
  setenv("BRAINSTEM_SERVER_LISTEN", "127.0.0.1:7000", 1);
  auto c = load_config(path);
  unsetenv("BRAINSTEM_SERVER_LISTEN");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->listen, "127.0.0.1:7000");
  EXPECT_EQ(c->threads, 3);
}

TEST_F(ConfigTest, EnvironmentOverridesDefaultsWithoutFile) {
  setenv("BRAINSTEM_LIMITS_REQUESTS_PER_MINUTE", "42", 1);
  setenv("BRAINSTEM_AUTH_EMAIL_VERIFICATION", "yes", 1);
  auto c = load_config("");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->limits.per_minute, 42);
  EXPECT_TRUE(c->email_verification);
}

TEST_F(ConfigTest, BadEnvironmentValueNamesVariableAndSetting) {
  setenv("BRAINSTEM_SERVER_THREADS", "many", 1);
  auto c = load_config("");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("BRAINSTEM_SERVER_THREADS"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("server.threads"), std::string::npos) << c.status().message();
}

TEST_F(ConfigTest, UnknownSettingInFileIsNamed) {
  auto path = write("brainstem.toml", "[server]\nlisten = \"127.0.0.1:1\"\nbogus = 1\n");
  auto c = load_config(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("server.bogus"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find(path), std::string::npos) << c.status().message();
}

TEST_F(ConfigTest, UnknownTenantLimitIsNamed) {
  auto path = write("brainstem.toml", "[limits.tenants.acme]\nrequests_per_week = 1\n");
  auto c = load_config(path);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("limits.tenants.acme.requests_per_week"), std::string::npos)
      << c.status().message();
}

TEST_F(ConfigTest, NegativeTenantLimitIsRejected) {
  auto path = write("brainstem.toml", "[limits.tenants.acme]\nrequests_per_minute = -1\n");
  auto c = load_config(path);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("limits.tenants.acme.requests_per_minute"), std::string::npos)
      << c.status().message();
}

TEST_F(ConfigTest, BadIntegerInFileIsNamed) {
  auto path = write("brainstem.toml", "[server]\nthreads = \"lots\"\n");
  auto c = load_config(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("server.threads"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("lots"), std::string::npos) << c.status().message();
}

TEST_F(ConfigTest, OutOfRangeAndFractionalIntegersAreRejected) {
  auto zero = write("zero.toml", "[server]\nthreads = 0\n");
  auto c = load_config(zero);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("server.threads"), std::string::npos) << c.status().message();
  auto frac = write("frac.toml", "[server]\nthreads = 2.5\n");
  auto f = load_config(frac);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("server.threads"), std::string::npos) << f.status().message();
}

TEST_F(ConfigTest, TomlSyntaxErrorReportsLineAndColumn) {
  auto path = write("broken.toml", "[server]\nthreads = 2\nlisten = \n");
  auto c = load_config(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  const std::string& msg = c.status().message();
  ASSERT_EQ(msg.rfind(path + ":", 0), 0u) << msg;
  std::smatch m;
  std::string rest = msg.substr(path.size());
  ASSERT_TRUE(std::regex_search(rest, m, std::regex(R"(^:(\d+):(\d+): )"))) << msg;
  EXPECT_EQ(m[1].str(), "3") << msg;
  EXPECT_GE(std::stoi(m[2].str()), 1) << msg;
}

TEST_F(ConfigTest, MissingFileIsAnError) {
  auto c = load_config((dir_ / "absent.toml").string());
  EXPECT_FALSE(c.ok());
}

TEST_F(ConfigTest, ApplySettingRejectsUnknownName) {
  Config c;
  auto s = apply_setting(c, "server.nope", "1");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("server.nope"), std::string::npos) << s.message();
}

TEST_F(ConfigTest, ApplySettingParsesIntegersStrictly) {
  Config c;
  EXPECT_TRUE(apply_setting(c, "server.threads", "16").is_ok());
  EXPECT_EQ(c.threads, 16);
  for (const char* bad : {"", "abc", "16x", " 16", "-1", "0", "257", "1.5"}) {
    auto s = apply_setting(c, "server.threads", bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << "'" << bad << "'";
    EXPECT_NE(s.message().find("server.threads"), std::string::npos) << s.message();
  }
  EXPECT_EQ(c.threads, 16);
}

TEST_F(ConfigTest, ApplySettingParsesBooleans) {
  Config c;
  for (const char* yes : {"true", "1", "yes", "on"}) {
    c.access_log = false;
    EXPECT_TRUE(apply_setting(c, "log.access", yes).is_ok()) << yes;
    EXPECT_TRUE(c.access_log) << yes;
  }
  for (const char* no : {"false", "0", "no", "off"}) {
    c.access_log = true;
    EXPECT_TRUE(apply_setting(c, "log.access", no).is_ok()) << no;
    EXPECT_FALSE(c.access_log) << no;
  }
  auto s = apply_setting(c, "log.access", "maybe");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("log.access"), std::string::npos);
}

TEST_F(ConfigTest, ApplySettingChecksLogLevelAndSecretLength) {
  Config c;
  EXPECT_TRUE(apply_setting(c, "log.level", "warn").is_ok());
  EXPECT_EQ(c.log_level, "warn");
  EXPECT_FALSE(apply_setting(c, "log.level", "verbose").is_ok());
  EXPECT_EQ(c.log_level, "warn");
  EXPECT_FALSE(apply_setting(c, "auth.jwt_secret", "short").is_ok());
  EXPECT_TRUE(apply_setting(c, "auth.jwt_secret", std::string(32, 's')).is_ok());
  EXPECT_EQ(c.jwt_secret, std::string(32, 's'));
  EXPECT_TRUE(apply_setting(c, "auth.jwt_secret", "").is_ok());
  EXPECT_TRUE(c.jwt_secret.empty());
}

TEST_F(ConfigTest, ServerRoleIsAllOrBackend) {
  Config c;
  EXPECT_EQ(c.role, "all");
  EXPECT_EQ(c.backend_key_env, "BRAINSTEM_BACKEND_KEY");
  EXPECT_TRUE(apply_setting(c, "server.role", "backend").is_ok());
  EXPECT_EQ(c.role, "backend");
  auto s = apply_setting(c, "server.role", "frontend");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.role, "backend");
  EXPECT_TRUE(apply_setting(c, "server.backend_key_env", "VPS_KEY").is_ok());
  EXPECT_EQ(c.backend_key_env, "VPS_KEY");
}

TEST_F(ConfigTest, ValidateRejectsListenWithoutPort) {
  Config c;
  c.listen = "nohostport";
  auto s = validate(c);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("server.listen"), std::string::npos) << s.message();
}

TEST_F(ConfigTest, ValidateRejectsBadPorts) {
  Config c;
  for (const char* bad : {":8080", "host:", "host:http", "host:65536", "host:-1"}) {
    c.listen = bad;
    EXPECT_FALSE(validate(c).is_ok()) << bad;
  }
  c.listen = "host:0";
  EXPECT_TRUE(validate(c).is_ok());
  c.listen = "host:65535";
  EXPECT_TRUE(validate(c).is_ok());
}

TEST_F(ConfigTest, ValidateRejectsEmptyDataDir) {
  Config c;
  c.data_dir = "";
  EXPECT_FALSE(validate(c).is_ok());
}

TEST_F(ConfigTest, Ipv6ListenAddressLosesBrackets) {
  Config c;
  c.listen = "[::1]:8443";
  ASSERT_TRUE(validate(c).is_ok());
  EXPECT_EQ(c.host(), "::1");
  EXPECT_EQ(c.port(), 8443);
}

}  // namespace
