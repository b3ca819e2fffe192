#include "mtsender/tests/test_dc/server.hpp"

#include "mtsender/tests/test_dc/dc_server.hpp"
#include "mtsender/tests/test_dc/file_store.hpp"

#include <mutex>
#include <stdexcept>

namespace mtsender::test_dc {

struct server::impl {
  shared_context shared;
  crypto::rsa_public_key pub;
  std::vector<std::unique_ptr<dc_server>> dcs;
  bool running = false;

  std::vector<dc_server*> select(int32_t dc_id) const {
    std::vector<dc_server*> out;
    for (auto& d : dcs)
      if (dc_id == 0 || d->id() == dc_id)
        out.push_back(d.get());
    if (out.empty() && dc_id != 0)
      throw std::out_of_range("test_dc: no DC " + std::to_string(dc_id));
    return out;
  }
};

std::shared_ptr<const crypto::rsa_private_key> shared_test_key() {
  static std::once_flag once;
  static std::shared_ptr<const crypto::rsa_private_key> key;
  std::call_once(once, [] {
    key = std::make_shared<const crypto::rsa_private_key>(crypto::rsa_private_key::generate(2048));
  });
  return key;
}

server::server(server_options opts) : impl_(std::make_unique<impl>()) {
  if (!opts.rsa_key)
    throw std::invalid_argument("test_dc::server: server_options.rsa_key is required");
  if (opts.dcs.empty())
    throw std::invalid_argument("test_dc::server: no DC to listen on");
  for (size_t i = 0; i < opts.dcs.size(); ++i)
    for (size_t j = i + 1; j < opts.dcs.size(); ++j)
      if (opts.dcs[i].dc_id == opts.dcs[j].dc_id)
        throw std::invalid_argument("test_dc::server: DC " + std::to_string(opts.dcs[i].dc_id)
                                    + " listed twice");
  impl_->pub = opts.rsa_key->public_key();
  impl_->shared.keys.push_back(opts.rsa_key);
  if (opts.files.cdn_dc != 0 && opts.files.cdn_public_key_pem.empty()) {
    const auto& cdn_key = opts.cdn_rsa_key ? opts.cdn_rsa_key : opts.rsa_key;
    opts.files.cdn_public_key_pem = cdn_key->public_key().to_pem();
  }
  if (opts.cdn_rsa_key)
    impl_->shared.keys.push_back(opts.cdn_rsa_key);
  impl_->shared.builtins.files = std::make_shared<file_store>(opts.files, opts.lenient_files);
  impl_->shared.opts = std::move(opts);
}

server::~server() { stop(); }

void server::start() {
  if (impl_->running)
    return;
  std::vector<std::unique_ptr<dc_server>> dcs;
  for (auto& ep : impl_->shared.opts.dcs)
    dcs.push_back(std::make_unique<dc_server>(ep.dc_id, listen_tcp(ep.host, ep.port),
                                              impl_->shared));
  impl_->dcs = std::move(dcs);
  // help.getConfig lists the real (bound) addresses.
  auto& b = impl_->shared.builtins;
  b.country = impl_->shared.opts.country;
  b.lenient_files = impl_->shared.opts.lenient_files;
  b.dcs.clear();
  for (auto& d : impl_->dcs)
    b.dcs.push_back({d->id(), d->host(), d->port(), d->id() == impl_->shared.opts.files.cdn_dc});
  for (auto& d : impl_->dcs)
    d->start();
  impl_->running = true;
}

void server::stop() {
  if (!impl_ || !impl_->running)
    return;
  for (auto& d : impl_->dcs)
    d->stop();
  impl_->running = false;
}

bool server::running() const noexcept { return impl_->running; }

uint16_t server::port(int32_t dc_id) const { return impl_->select(dc_id).at(0)->port(); }
std::string server::host(int32_t dc_id) const { return impl_->select(dc_id).at(0)->host(); }

std::vector<int32_t> server::dc_ids() const {
  std::vector<int32_t> out;
  for (auto& ep : impl_->shared.opts.dcs)
    out.push_back(ep.dc_id);
  return out;
}

const crypto::rsa_public_key& server::public_key() const noexcept { return impl_->pub; }
file_store& server::files() const noexcept { return *impl_->shared.builtins.files; }
int64_t server::fingerprint() const noexcept { return impl_->pub.fingerprint(); }

void server::on(uint32_t constructor_id, rpc_handler handler) {
  std::lock_guard<std::mutex> lock{impl_->shared.handlers_mu};
  impl_->shared.handlers[constructor_id] =
    std::make_shared<const rpc_handler>(std::move(handler));
}

void server::remove_handler(uint32_t constructor_id) {
  std::lock_guard<std::mutex> lock{impl_->shared.handlers_mu};
  impl_->shared.handlers.erase(constructor_id);
}

size_t server::push_update(byte_view body, int32_t dc_id, std::optional<int64_t> session_id) {
  size_t n = 0;
  for (auto* d : impl_->select(dc_id))
    n += d->push_update(body, session_id);
  return n;
}

server_counters server::counters(int32_t dc_id) const {
  server_counters sum;
  for (auto* d : impl_->select(dc_id))
    sum += d->counters();
  return sum;
}

std::vector<int64_t> server::sessions(int32_t dc_id) const {
  std::vector<int64_t> out;
  for (auto* d : impl_->select(dc_id)) {
    auto s = d->session_ids();
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

std::vector<int64_t> server::subscribed_sessions(int32_t dc_id) const {
  std::vector<int64_t> out;
  for (auto* d : impl_->select(dc_id)) {
    auto s = d->subscribed_session_ids();
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

bool server::close_connection_of(int32_t dc_id, int64_t session_id) {
  bool closed = false;
  for (auto* d : impl_->select(dc_id))
    closed = d->close_connection_of(session_id) || closed;
  return closed;
}

void server::set_faults(const fault_plan& faults, int32_t dc_id) {
  if (!impl_->running) {
    // The DCs do not exist yet: they take the options' plan when they start.
    if (dc_id != 0)
      throw std::logic_error("test_dc::server::set_faults: the faults of DC "
                             + std::to_string(dc_id) + " can only be set after start()");
    impl_->shared.opts.faults = faults;
    return;
  }
  for (auto* d : impl_->select(dc_id))
    d->set_faults(faults);
}

void server::forget_sessions(int32_t dc_id) {
  for (auto* d : impl_->select(dc_id))
    d->forget_sessions();
}

void server::forget_auth_keys(int32_t dc_id) {
  for (auto* d : impl_->select(dc_id))
    d->forget_auth_keys();
}

void server::forget_temp_keys(int32_t dc_id) {
  for (auto* d : impl_->select(dc_id))
    d->forget_temp_keys();
}

void server::close_connections(int32_t dc_id) {
  for (auto* d : impl_->select(dc_id))
    d->close_connections();
}

server_counters& server_counters::operator+=(const server_counters& o) {
  connections_accepted += o.connections_accepted;
  connections_open += o.connections_open;
  frames_received += o.frames_received;
  frames_sent += o.frames_sent;
  handshakes_started += o.handshakes_started;
  handshakes_completed += o.handshakes_completed;
  handshakes_failed += o.handshakes_failed;
  temp_keys_made += o.temp_keys_made;
  auth_keys += o.auth_keys;
  sessions += o.sessions;
  new_sessions += o.new_sessions;
  packets_decrypted += o.packets_decrypted;
  bad_packets += o.bad_packets;
  unknown_auth_key += o.unknown_auth_key;
  messages_received += o.messages_received;
  containers_received += o.containers_received;
  duplicates += o.duplicates;
  acks_received += o.acks_received;
  bad_msg_notifications += o.bad_msg_notifications;
  bad_server_salts += o.bad_server_salts;
  rpc_results += o.rpc_results;
  rpc_errors += o.rpc_errors;
  containers_sent += o.containers_sent;
  gzip_sent += o.gzip_sent;
  updates_sent += o.updates_sent;
  transport_errors_sent += o.transport_errors_sent;
  faults_injected += o.faults_injected;
  ping_disconnects += o.ping_disconnects;
  quick_acks_sent += o.quick_acks_sent;
  packets_lost += o.packets_lost;
  answers_resent += o.answers_resent;

  temp_keys_bound += o.temp_keys_bound;
  binds_refused += o.binds_refused;
  for (auto& [id, n] : o.received)
    received[id] += n;
  return *this;
}

} // namespace mtsender::test_dc
