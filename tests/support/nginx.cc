// nginx origin server for integration tests.
#include "tests/support/nginx.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace strata::testing {

NginxServer::NginxServer(std::string dir, std::string server_directives)
    : dir_(std::move(dir)), server_directives_(std::move(server_directives)) {}

NginxServer::~NginxServer() {
  stop();
}

bool NginxServer::start() {
  const std::string nginx = findProgram("nginx");
  if (nginx.empty()) {
    error_ = "nginx is not installed";
    return false;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir_ + "/tmp", ec);
  port_ = freePort();
  // master_process off: one foreground process and no privilege drop, so files the test wrote
  // are readable and SIGTERM ends everything.
  std::ostringstream conf;
  conf << "worker_processes 1;\n"
       << "daemon off;\n"
       << "master_process off;\n"
       << "pid " << dir_ << "/nginx.pid;\n"
       << "error_log " << dir_ << "/nginx-error.log warn;\n"
       << "events { worker_connections 512; }\n"
       << "http {\n"
       << "  include /etc/nginx/mime.types;\n"
       << "  default_type application/octet-stream;\n"
       << "  access_log off;\n"
       << "  keepalive_requests 100000;\n"
       << "  client_body_temp_path " << dir_ << "/tmp/body;\n"
       << "  proxy_temp_path " << dir_ << "/tmp/proxy;\n"
       << "  fastcgi_temp_path " << dir_ << "/tmp/fastcgi;\n"
       << "  uwsgi_temp_path " << dir_ << "/tmp/uwsgi;\n"
       << "  scgi_temp_path " << dir_ << "/tmp/scgi;\n"
       << "  server {\n"
       << "    listen 127.0.0.1:" << port_ << ";\n"
       << server_directives_ << "\n"
       << "  }\n"
       << "}\n";
  {
    std::ofstream out(dir_ + "/nginx.conf");
    out << conf.str();
  }
  process_ =
      ChildProcess({nginx, "-e", dir_ + "/nginx-error.log", "-p", dir_, "-c", dir_ + "/nginx.conf"},
                   dir_ + "/nginx-stdout.log");
  if (!waitForPort(port_)) {
    error_ = "nginx did not start: " + log() + process_.log();
    stop();
    return false;
  }
  return true;
}

void NginxServer::stop() {
  if (process_.pid() > 0 && process_.running()) {
    process_.stop();
  }
}

std::string NginxServer::log() const {
  std::ifstream in(dir_ + "/nginx-error.log");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace strata::testing
