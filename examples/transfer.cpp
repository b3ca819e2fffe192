// transfer: uploads a file through the upload actor, hands the InputFile to
// account.uploadTheme (which answers a Document, as it does on Telegram for
// a logged-in account), downloads that document back through the download
// actor and compares, drawing a progress bar on the terminal.
//
//   mtproto-test-dc --listen 2=127.0.0.1:4430 --rsa-key dc.pem &
//   transfer --host 127.0.0.1 --port 4430 --key dc.pub.pem IN [OUT]
//
// OUT defaults to IN.copy. Exit status: 0 when the copy is identical, 1 on a
// transfer error or a difference, 2 on bad arguments.
#include "mtsender/actors/dc_pool.hpp"
#include "mtsender/actors/download_actor.hpp"
#include "mtsender/actors/upload_actor.hpp"
#include "mtsender/api/Document.hpp"
#include "mtsender/api/InputFileLocation.hpp"
#include "mtsender/api/account/uploadTheme.hpp"
#include "mtsender/messages/add_message_types.hpp"
#include "mtsender/messages/file_transfer.hpp"
#include "mtsender/messages/invoke.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <unistd.h>

using namespace std::chrono_literals;
using namespace mtsender;

namespace {

// One line redrawn in place: [#####.....]  45%  12.3 / 27.0 MB  98.1 MB/s
caf::behavior progress_bar(caf::event_based_actor*, std::string label) {
  const bool tty = ::isatty(STDOUT_FILENO) != 0;
  return {
    [=](const transfer_progress& p) -> caf::ok_atom {
      const double frac = p.total > 0 ? double(p.done) / double(p.total) : 0;
      constexpr int width = 30;
      std::string bar(size_t(frac * width + 0.5), '#');
      bar.resize(width, '.');
      std::printf("%s%-9s [%s] %3.0f%%  %7.1f / %7.1f MB  %7.1f MB/s%s", tty ? "\r" : "",
                  label.c_str(), bar.c_str(), frac * 100, double(p.done) / 1e6,
                  double(p.total) / 1e6, p.bytes_per_second / 1e6, tty ? "" : "\n");
      std::fflush(stdout);
      return caf::ok_atom::value;
    },
  };
}

// Compared 1 MiB at a time: a big file is never read into memory whole.
bool same_files(const std::string& a, const std::string& b) {
  std::ifstream fa{a, std::ios::binary}, fb{b, std::ios::binary};
  std::string ba(1 << 20, '\0'), bb(1 << 20, '\0');
  while (fa && fb) {
    fa.read(&ba[0], std::streamsize(ba.size()));
    fb.read(&bb[0], std::streamsize(bb.size()));
    if (fa.gcount() != fb.gcount() || ba.compare(0, size_t(fa.gcount()), bb, 0, size_t(fb.gcount())) != 0)
      return false;
  }
  return fa.eof() && fb.eof();
}

} // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", key_file, in, out;
  uint16_t port = 0;
  int32_t dc = 2;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc)
          throw std::invalid_argument(a + " needs a value");
        return argv[++i];
      };
      if (a == "--host")
        host = value();
      else if (a == "--port")
        port = static_cast<uint16_t>(std::stoul(value()));
      else if (a == "--dc")
        dc = std::stoi(value());
      else if (a == "--key")
        key_file = value();
      else if (in.empty())
        in = a;
      else if (out.empty())
        out = a;
      else
        throw std::invalid_argument("unexpected argument " + a);
    }
    if (in.empty() || port == 0 || key_file.empty())
      throw std::invalid_argument("usage: transfer --host H --port P --key dc.pub.pem IN [OUT]");
  } catch (const std::exception& e) {
    std::cerr << "transfer: " << e.what() << "\n";
    return 2;
  }
  if (out.empty())
    out = in + ".copy";

  pool_config pc;
  pc.dcs = {{dc, host, port}};
  try {
    pc.rsa_keys = {crypto::rsa_public_key::from_pem_file(key_file)};
  } catch (const std::exception& e) {
    std::cerr << "transfer: " << e.what() << "\n";
    return 2;
  }

  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  add_message_types(cfg);
  caf::actor_system sys{cfg};
  int status = 1;
  {
    auto pool = spawn_dc_pool(sys, pc);
    caf::scoped_actor self{sys};
    auto up_bar = sys.spawn(progress_bar, std::string("upload"));
    auto down_bar = sys.spawn(progress_bar, std::string("download"));

    upload_request up;
    up.dc_id = dc;
    up.path = in;
    up.listener = up_bar;
    std::optional<upload_result> uploaded;
    self->request(spawn_upload(sys, pool, up), std::chrono::seconds(3600), file_start_atom::value)
      .receive([&](upload_result& r) { uploaded = std::move(r); },
               [&](caf::error& e) { std::cerr << "\nupload failed: " << sys.render(e) << "\n"; });
    std::printf("\n");

    std::optional<api::document> doc;
    if (uploaded) {
      api::account::uploadTheme q;
      q.file = api::from_bytes<api::InputFile>(uploaded->input_file);
      q.file_name = in;
      q.mime_type = "application/octet-stream";
      invoke(self, pool, dc, q, rpc_options{}, caf::duration{60s})
        .receive(
          [&](api::Document& d) {
            if (auto* got = d.get_if<api::document>())
              doc = std::move(*got);
            else
              std::cerr << "uploadTheme: answered " << d.name() << ", not a document\n";
          },
          [&](caf::error& e) { std::cerr << "uploadTheme: " << sys.render(e) << "\n"; });
    }
    if (doc) {
      download_request down;
      down.dc_id = doc->dc_id;
      down.location = api::to_bytes(
        api::inputDocumentFileLocation{doc->id, doc->access_hash, doc->file_reference, ""});
      down.size = doc->size;
      down.path = out;
      down.listener = down_bar;
      self->request(spawn_download(sys, pool, down), std::chrono::seconds(3600), file_start_atom::value)
        .receive(
          [&](const download_result& r) {
            std::printf("\n%lld bytes in %s (document %lld on DC %d%s)\n",
                        static_cast<long long>(r.bytes), out.c_str(),
                        static_cast<long long>(doc->id), r.dc_id, r.via_cdn ? ", via CDN" : "");
            status = same_files(in, out) ? 0 : 1;
            std::printf("%s\n", status == 0 ? "identical" : "DIFFERENT");
          },
          [&](caf::error& e) { std::cerr << "\ndownload failed: " << sys.render(e) << "\n"; });
    }
    self->send_exit(pool, caf::exit_reason::user_shutdown);
    self->send_exit(up_bar, caf::exit_reason::user_shutdown);
    self->send_exit(down_bar, caf::exit_reason::user_shutdown);
    self->wait_for(pool, up_bar, down_bar);
  }
  return status;
}
