// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// A shared library opened at run time (dlopen) for what only a rarely used
// part needs, so that the daemon maps it, and all it pulls in, only when
// that part runs. Failures are ldb::Errors naming the library or symbol
// and saying why (dlerror); never a crash at start-up for a missing package.

#include <dlfcn.h>
#include <string>
#include <utility>

#include "base/error.hpp"

namespace ldb {

class SharedLibrary {
public:
    // Opens `soname` (e.g. "libcryptsetup.so.12") with every symbol bound
    // now, so that a broken install fails here and not at the first call.
    // Throws Error(NotFound); `hint` says what needs it and how to get it.
    static SharedLibrary open(const std::string& soname, const std::string& hint = {})
    {
        void* h = ::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!h)
            throw Error(ErrorKind::NotFound, "cannot load " + soname + ": " + last_dl_error(soname), hint);
        return SharedLibrary(h, soname);
    }

    SharedLibrary(SharedLibrary&& o) noexcept : handle_(std::exchange(o.handle_, nullptr)), name_(std::move(o.name_)) {}
    SharedLibrary& operator=(SharedLibrary&& o) noexcept
    {
        if (this != &o) {
            close();
            handle_ = std::exchange(o.handle_, nullptr);
            name_ = std::move(o.name_);
        }
        return *this;
    }
    SharedLibrary(const SharedLibrary&) = delete;
    SharedLibrary& operator=(const SharedLibrary&) = delete;
    ~SharedLibrary() { close(); }

    const std::string& name() const noexcept { return name_; }

    // The address of `symbol`; throws Error(NotFound) naming it and the library.
    void* address(const char* symbol) const
    {
        if (!handle_)
            throw Error(ErrorKind::Internal, std::string("looking up ") + symbol + " in a library moved from");
        ::dlerror(); // a symbol may legitimately be null: tell that from "missing"
        void* p = ::dlsym(handle_, symbol);
        if (!p) {
            const char* why = ::dlerror();
            throw Error(ErrorKind::NotFound,
                        std::string("symbol ") + symbol + " is missing from " + name_ + ": " +
                            (why ? std::string(why) : "it resolves to null"),
                        "the installed " + name_ + " is not the version this program was built for");
        }
        return p;
    }

    // Sets `fn` to the function `symbol`, typed as declared in the
    // library's header (pass decltype(&the_function)).
    template <class Fn>
    void bind(const char* symbol, Fn*& fn) const
    {
        fn = reinterpret_cast<Fn*>(address(symbol));
    }

private:
    SharedLibrary(void* h, std::string name) : handle_(h), name_(std::move(name)) {}

    // dlerror() without the "<name>: " that it starts with when it names the file.
    static std::string last_dl_error(const std::string& name)
    {
        const char* e = ::dlerror();
        std::string s = e ? e : "unknown dlopen error";
        if (s.starts_with(name + ": "))
            s.erase(0, name.size() + 2);
        return s;
    }

    void close() noexcept
    {
        if (handle_)
            ::dlclose(handle_);
        handle_ = nullptr;
    }

    void* handle_ = nullptr;
    std::string name_;
};

} // namespace ldb
