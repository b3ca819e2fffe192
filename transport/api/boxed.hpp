// The runtime under the generated Telegram API (mtsender/api/...): the boxed
// value that holds any constructor of one TL type, and the small helpers the
// generated serializers call.
//
//   api::Peer p = api::peerUser{42};           // holds a peerUser
//   if (auto* u = p.get_if<api::peerUser>())    // which one it holds
//     use(u->user_id);
//   p.visit([](auto& c) { ... });               // needs the type's header
//
// A boxed value owns its constructor on the heap behind a small table of
// functions (write, print, compare, copy), so a constructor may hold its own
// type (RichText inside RichText) and a header that names a boxed type needs
// none of its constructors. Copies are deep; moves are two pointers.
#pragma once

#include "mtsender/transport/api/io.hpp"
#include "mtsender/transport/tl/decode_error.hpp"
#include "mtsender/transport/tl/reader.hpp"
#include "mtsender/transport/tl/writer.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace mtsender::api {

class printer;

// Deepest nesting of boxed values a reader accepts; hostile input cannot
// recurse further (real Telegram objects stay far below).
inline constexpr int max_depth = 64;

// Thrown when an object cannot be written: an empty boxed value, or fields
// that share one flag bit set only in part.
class encode_error : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

// How to handle one constructor without knowing its C++ type.
struct ctor_ops {
  uint32_t id;
  const char* name;
  void (*destroy)(void*) noexcept;
  void* (*clone)(const void*);
  void (*write_body)(const void*, tl::writer&);
  void (*print)(const void*, printer&);
  bool (*equal)(const void*, const void*);
};

template <class C>
struct ops_of {
  static void destroy(void* p) noexcept { delete static_cast<C*>(p); }
  static void* clone(const void* p) { return new C(*static_cast<const C*>(p)); }
  static void write_body(const void* p, tl::writer& w) { static_cast<const C*>(p)->write_body(w); }
  static void print(const void* p, printer& out) { static_cast<const C*>(p)->print(out); }
  static bool equal(const void* a, const void* b) {
    return *static_cast<const C*>(a) == *static_cast<const C*>(b);
  }
  static constexpr ctor_ops value{C::tl_id, C::tl_name, destroy, clone, write_body, print, equal};
};

template <class... Cs>
struct type_list {};

// The constructors of a boxed type, specialized by the type's header.
template <class Tag>
struct ctors_of;

// Tags of the two boxed types that are not TL types: any constructor
// (TL's `Object`) and any function (the query of the invokeWith* wrappers).
struct Object_tag;
struct Function_tag;

[[noreturn]] void throw_bad_get(const char* type, const char* wanted, const char* held);
[[noreturn]] void throw_empty_write(const char* type);
[[noreturn]] void throw_unknown_constructor(const char* type, uint32_t id, size_t offset);
[[noreturn]] void throw_too_deep(const char* type, size_t offset);

template <class Tag>
class boxed {
public:
  using tag = Tag;

  boxed() noexcept = default;
  template <class C, std::enable_if_t<std::is_same_v<typename C::boxed_type, boxed>
                                        || std::is_same_v<Tag, Object_tag>,
                                      int> = 0>
  boxed(C value) : ops_(&ops_of<C>::value), p_(new C(std::move(value))) {}
  boxed(const boxed& o) : ops_(o.ops_), p_(o.p_ ? o.ops_->clone(o.p_) : nullptr) {}
  boxed(boxed&& o) noexcept : ops_(o.ops_), p_(o.p_) {
    o.ops_ = nullptr;
    o.p_ = nullptr;
  }
  boxed& operator=(boxed o) noexcept {
    std::swap(ops_, o.ops_);
    std::swap(p_, o.p_);
    return *this;
  }
  ~boxed() {
    if (p_)
      ops_->destroy(p_);
  }

  // False only for a default-constructed (or moved-from) value.
  bool has_value() const noexcept { return p_ != nullptr; }
  explicit operator bool() const noexcept { return has_value(); }
  // Constructor id and TL name of what it holds (0 and "" when empty).
  uint32_t id() const noexcept { return ops_ ? ops_->id : 0; }
  const char* name() const noexcept { return ops_ ? ops_->name : ""; }

  template <class C>
  bool is() const noexcept { return ops_ && ops_->id == C::tl_id; }
  template <class C>
  C* get_if() noexcept { return is<C>() ? static_cast<C*>(p_) : nullptr; }
  template <class C>
  const C* get_if() const noexcept { return is<C>() ? static_cast<const C*>(p_) : nullptr; }
  // Throws std::invalid_argument naming both constructors when it holds another.
  template <class C>
  C& get() {
    if (!is<C>())
      throw_bad_get(Tag::tl_name, C::tl_name, name());
    return *static_cast<C*>(p_);
  }
  template <class C>
  const C& get() const { return const_cast<boxed*>(this)->get<C>(); }

  // Calls f with the constructor it holds; needs the type's header (it
  // lists the constructors). Throws like get() when empty.
  template <class F>
  decltype(auto) visit(F&& f) { return visit_in(f, typename ctors_of<Tag>::type{}); }
  template <class F>
  decltype(auto) visit(F&& f) const {
    return const_cast<boxed*>(this)->visit([&](auto& c) -> decltype(auto) {
      return f(static_cast<const std::decay_t<decltype(c)>&>(c));
    });
  }

  // Boxed form: constructor id, then the fields.
  void write(tl::writer& w) const {
    if (!p_)
      throw_empty_write(Tag::tl_name);
    w.write_uint32(ops_->id);
    ops_->write_body(p_, w);
  }
  static boxed read(tl::reader& r, int depth = 0) {
    boxed b;
    b.p_ = Tag::read_any(r, depth, b.ops_);
    return b;
  }
  void print(printer& p) const;

  friend bool operator==(const boxed& a, const boxed& b) {
    if (a.ops_ == nullptr || b.ops_ == nullptr)
      return a.ops_ == b.ops_;
    return a.ops_->id == b.ops_->id && a.ops_->equal(a.p_, b.p_);
  }
  friend bool operator!=(const boxed& a, const boxed& b) { return !(a == b); }

  // For the generated readers: adopt a constructor just read.
  template <class C>
  static void* adopt(C&& c, const ctor_ops*& ops) {
    ops = &ops_of<std::decay_t<C>>::value;
    return new std::decay_t<C>(std::forward<C>(c));
  }

private:
  template <class F, class C, class... Cs>
  decltype(auto) visit_in(F& f, type_list<C, Cs...>) {
    if constexpr (sizeof...(Cs) == 0) {
      return f(get<C>());
    } else {
      if (is<C>())
        return f(*static_cast<C*>(p_));
      return visit_in(f, type_list<Cs...>{});
    }
  }

  const ctor_ops* ops_ = nullptr;
  void* p_ = nullptr;
};

// Called first by every generated read_any: checks the depth, reads the id.
inline uint32_t enter(tl::reader& r, int depth, const char* type) {
  if (depth >= max_depth)
    throw_too_deep(type, r.position());
  return r.read_uint32(type);
}

// `!X` fields and function results: X is a function struct (written with its
// id) or a boxed value (which writes its own).
template <class T>
struct is_boxed : std::false_type {};
template <class Tag>
struct is_boxed<boxed<Tag>> : std::true_type {};

template <class T>
void write_boxed(tl::writer& w, const T& x) {
  if constexpr (is_boxed<T>::value) {
    x.write(w);
  } else {
    w.write_uint32(T::tl_id);
    x.write_body(w);
  }
}
template <class T>
T read_boxed(tl::reader& r, int depth) {
  if constexpr (is_boxed<T>::value) {
    return T::read(r, depth);
  } else {
    if (depth >= max_depth)
      throw_too_deep(T::tl_name, r.position());
    r.expect_id(T::tl_id, T::tl_name);
    return T::read_body(r, depth + 1);
  }
}

// One object or function as its own bytes (boxed), and back: from_bytes
// throws tl::decode_error unless `in` is exactly one T.
template <class T>
byte_buffer to_bytes(const T& x) {
  byte_buffer out;
  tl::writer w{out};
  write_boxed(w, x);
  return out;
}
template <class T>
T from_bytes(byte_view in) {
  tl::reader r{in};
  T x = read_boxed<T>(r, 0);
  if constexpr (is_boxed<T>::value)
    r.expect_end(T::tag::tl_name);
  else
    r.expect_end(T::tl_name);
  return x;
}

} // namespace mtsender::api
