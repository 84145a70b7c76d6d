// test_compat.cc - licvault/wmsdk.h from C++17, as SDK code in C++ uses it:
// IWMStatusCallback as a class, QueryInterface by reference, u"" literals.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/stat.h>

#include <licvault/licvault.h>
#include <licvault/wmsdk.h>

// The object's vtables are C arrays (src/compat/compat.c), without the RTTI
// prefix a C++ compiler emits, so UBSan's vptr check (-fsanitize=undefined)
// reports every call into it; as with COM objects written in C on Windows.
// Functions that call into the object opt out of that one check.
#if defined(__clang__) || defined(__GNUC__)
#define CALLS_C_OBJECT __attribute__((no_sanitize("vptr")))
#else
#define CALLS_C_OBJECT
#endif

namespace {

int failures = 0;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                            \
    }                                                                        \
  } while (0)

#define REQUIRE(cond)                                                        \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond); \
      std::exit(1);                                                          \
    }                                                                        \
  } while (0)

const char kRestrictedKid[] = "AAAAAAAAAAAAAAAAAAAAAA==";

// The public key of a License Management Service (key file text, docs/keys.md):
// backups are locked to it; no service runs in this test.
const char kServicePub[] =
    "licvault-key 1\n"
    "kind service\n"
    "id 72f3715f58eacaf0\n"
    "sign-public T/PGXCCbFxytLZNDqG8QcMCmn04BrZPPrUPQVWr7W6o=\n"
    "box-public QDx0MwPQpG09BBOwK26dwTwD7vM81azFsT7STHDfEF4=\n";

std::u16string widen(const std::string &ascii) {
  std::u16string w;
  for (char c : ascii) {
    REQUIRE(static_cast<unsigned char>(c) < 0x80);
    w.push_back(static_cast<char16_t>(c));
  }
  return w;
}

struct Event {
  WMT_STATUS status;
  HRESULT hr;
  WMT_ATTR_DATATYPE type;
  std::u16string text;
  DWORD dw;
  bool context_null;
  std::thread::id thread;
};

// The application's callback, as a C++ class of the SDK's interface.
struct Callback : IWMStatusCallback {
  std::mutex mu;
  std::condition_variable cv;
  ULONG refs = 1;
  int over_released = 0;
  std::vector<Event> events;
  int ends = 0;

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void **ppv) override {
    if (!ppv) return E_POINTER;
    *ppv = nullptr;
    if (!IsEqualIID(riid, IID_IUnknown) && !IsEqualIID(riid, IID_IWMStatusCallback))
      return E_NOINTERFACE;
    AddRef();
    *ppv = static_cast<IWMStatusCallback *>(this);
    return S_OK;
  }
  ULONG STDMETHODCALLTYPE AddRef() override {
    std::lock_guard<std::mutex> g(mu);
    cv.notify_all();
    return ++refs;
  }
  ULONG STDMETHODCALLTYPE Release() override {
    std::lock_guard<std::mutex> g(mu);
    cv.notify_all();
    if (refs == 1) over_released++; // the test owns (and frees) the last one
    else refs--;
    return refs;
  }
  HRESULT STDMETHODCALLTYPE OnStatus(WMT_STATUS status, HRESULT hr, WMT_ATTR_DATATYPE type,
                                     BYTE *value, void *context) override {
    Event e{status, hr, type, {}, 0, context == nullptr, std::this_thread::get_id()};
    if (value && type == WMT_TYPE_STRING) {
      for (size_t i = 0;; i++) {
        char16_t u;
        std::memcpy(&u, value + 2 * i, 2);
        if (!u) break;
        e.text.push_back(u);
      }
    }
    if (value && type == WMT_TYPE_DWORD) std::memcpy(&e.dw, value, sizeof e.dw);
    std::lock_guard<std::mutex> g(mu);
    events.push_back(e);
    if (status == WMT_BACKUPRESTORE_END) ends++;
    cv.notify_all();
    return S_OK;
  }
  // Until END came and every reference but ours is back.
  bool settle() {
    std::unique_lock<std::mutex> l(mu);
    return cv.wait_for(l, std::chrono::seconds(60), [this] { return ends >= 1 && refs == 1; });
  }
  // Until every reference but ours is back (the object may go on its thread).
  bool released() {
    std::unique_lock<std::mutex> l(mu);
    return cv.wait_for(l, std::chrono::seconds(60), [this] { return refs == 1; });
  }
  ULONG count() {
    std::lock_guard<std::mutex> g(mu);
    return refs;
  }
};

CALLS_C_OBJECT HRESULT set(IWMBackupRestoreProps *p, const char16_t *name,
                           const std::u16string &value) {
  return p->SetProp(name, WMT_TYPE_STRING, reinterpret_cast<const BYTE *>(value.c_str()),
                    static_cast<WORD>(2 * (value.size() + 1)));
}

CALLS_C_OBJECT std::u16string get(IWMBackupRestoreProps *p, const char16_t *name) {
  WORD cb = 0;
  WMT_ATTR_DATATYPE type = WMT_TYPE_BINARY;
  if (FAILED(p->GetPropByName(name, &type, nullptr, &cb))) return u"<unset>";
  CHECK(type == WMT_TYPE_STRING);
  std::vector<char16_t> buf(cb / 2 + 1);
  CHECK(p->GetPropByName(name, &type, reinterpret_cast<BYTE *>(buf.data()), &cb) == S_OK);
  return std::u16string(buf.data());
}

// A scratch computer: a store trusting an issuer, a pinned service,
// n licenses that may be backed up and one that may not.
struct Computer {
  std::string dir, store, machine;

  explicit Computer(unsigned n) {
    const char *base = std::getenv("LV_TEST_TMP");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/cpt-cxx.XXXXXX";
    std::vector<char> t(tmpl.begin(), tmpl.end());
    t.push_back('\0');
    if (base && *base) (void)mkdir(base, 0700); // may exist
    REQUIRE(mkdtemp(t.data()) != nullptr);
    dir = t.data();
    store = dir + "/store";
    machine = dir + "/machine.key";
    std::string iss = dir + "/iss", svc = dir + "/service.pub", id = dir + "/me.id";
    std::string lic = dir + "/a.lic";
    REQUIRE(lv_issuer_keygen(iss.c_str(), nullptr) == LV_OK);
    std::FILE *f = std::fopen(svc.c_str(), "w");
    REQUIRE(f && std::fputs(kServicePub, f) >= 0 && std::fclose(f) == 0);
    std::string iss_pub = iss + "/issuer.pub", iss_key = iss + "/issuer.key";
    const char *trust[1] = {iss_pub.c_str()};
    lv_init_opts opts{"http://127.0.0.1:9", svc.c_str(), trust, 1};
    lv_store *s = nullptr;
    REQUIRE(lv_store_create(&s, store.c_str(), machine.c_str(), &opts) == LV_OK);
    REQUIRE(lv_store_export_identity(s, id.c_str()) == LV_OK);
    lv_issuer *issuer = nullptr;
    lv_licfile_writer *w = nullptr;
    lv_rights ok, plain;
    lv_rights_init(&ok);
    lv_rights_init(&plain);
    ok.flags |= LV_RIGHT_BACKUP_RESTORE;
    REQUIRE(lv_issuer_open(&issuer, iss_key.c_str()) == LV_OK);
    REQUIRE(lv_licfile_create(&w, issuer, id.c_str(), lic.c_str()) == LV_OK);
    for (unsigned i = 0; i < n; i++)
      REQUIRE(lv_licfile_add(w, nullptr, "Track", &ok, nullptr) == LV_OK);
    REQUIRE(lv_licfile_add(w, kRestrictedKid, "Rental", &plain, nullptr) == LV_OK);
    REQUIRE(lv_licfile_commit(w) == LV_OK);
    lv_issuer_free(issuer);
    REQUIRE(lv_store_import(s, lic.c_str(), nullptr, nullptr, nullptr) == LV_OK);
    lv_store_free(s);
  }
};

CALLS_C_OBJECT void backup_from_cxx() {
  Computer pc(12);
  Callback creation, cb;
  IWMLicenseBackup *backup = nullptr;
  CHECK(WMCreateBackupRestorer(&creation, nullptr) == E_POINTER);
  CHECK(WMCreateBackupRestorer(nullptr, &backup) == E_INVALIDARG && backup == nullptr);
  REQUIRE(WMCreateBackupRestorer(&creation, &backup) == S_OK && backup);
  CHECK(creation.count() == 2);

  IWMBackupRestoreProps *props = nullptr;
  IWMLicenseRestore *restore = nullptr;
  REQUIRE(backup->QueryInterface(IID_IWMBackupRestoreProps, (void **)&props) == S_OK && props);
  REQUIRE(props->QueryInterface(IID_IWMLicenseRestore, (void **)&restore) == S_OK && restore);
  IUnknown *u1 = nullptr, *u2 = nullptr;
  CHECK(restore->QueryInterface(IID_IUnknown, (void **)&u1) == S_OK);
  CHECK(props->QueryInterface(IID_IUnknown, (void **)&u2) == S_OK);
  CHECK(u1 && u1 == u2);
  CHECK(static_cast<void *>(u1) == static_cast<void *>(backup));
  void *none = &none;
  CHECK(backup->QueryInterface(IID_IWMStatusCallback, &none) == E_NOINTERFACE && !none);
  CHECK(u1->Release() == 4);
  CHECK(u2->Release() == 3);

  std::u16string usb = widen(pc.dir + "/usb");
  CHECK(set(props, u"StorePath", widen(pc.store)) == S_OK);
  CHECK(set(props, u"MachinePath", widen(pc.machine)) == S_OK);
  CHECK(backup->BackupLicenses(0, &cb) == NS_E_DRM_INVALID_PROPERTY);
  CHECK(props->SetProp(u"BackupPath", WMT_TYPE_DWORD, reinterpret_cast<const BYTE *>(u"x"), 4) ==
        E_INVALIDARG);
  CHECK(set(props, u"BackupPath", usb) == S_OK);
  CHECK(get(props, u"BackupPath") == usb);
  WORD n = 0;
  CHECK(props->GetPropCount(&n) == S_OK && n == 3);

  const std::thread::id me = std::this_thread::get_id();
  CHECK(backup->BackupLicenses(0, nullptr) == E_INVALIDARG);
  REQUIRE(backup->BackupLicenses(0, &cb) == S_OK);
  REQUIRE(cb.settle());
  {
    std::lock_guard<std::mutex> g(cb.mu);
    REQUIRE(cb.events.size() == 3); // BEGIN, RESTRICTED, END
    CHECK(cb.events.front().status == WMT_BACKUPRESTORE_BEGIN);
    CHECK(cb.events[1].status == WMT_RESTRICTED_LICENSE);
    CHECK(cb.events[1].type == WMT_TYPE_STRING);
    CHECK(cb.events[1].text == u"AAAAAAAAAAAAAAAAAAAAAA==");
    CHECK(cb.events.back().status == WMT_BACKUPRESTORE_END);
    CHECK(cb.events.back().hr == S_OK);
    CHECK(cb.events.back().type == WMT_TYPE_DWORD && cb.events.back().dw == 12);
    for (const Event &e : cb.events) {
      CHECK(e.thread != me);
      CHECK(e.context_null);
    }
  }
  // again without WM_BACKUP_OVERWRITE: the set is there
  Callback again;
  CHECK(backup->BackupLicenses(0, &again) == NS_E_DRM_BACKUP_EXISTS);
  CHECK(again.count() == 1);

  // the finished operation may still be letting go of its own reference
  // (on its thread), so the counts here are not asserted
  restore->Release();
  props->Release();
  backup->Release();
  CHECK(creation.released());
  CHECK(creation.events.empty());
  CHECK(creation.over_released == 0 && cb.over_released == 0 && again.over_released == 0);
}

} // namespace

int main() {
  backup_from_cxx();
  if (failures) std::fprintf(stderr, "%d check(s) failed\n", failures);
  else std::printf("compat C++: all checks passed\n");
  return failures ? 1 : 0;
}
