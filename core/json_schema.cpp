#include "core/json_schema.hpp"

#include <cmath>

#include "core/error.hpp"

namespace flopmeter {

using json = nlohmann::ordered_json;

namespace {

std::string type_of(const json& v) {
    switch (v.type()) {
        case json::value_t::null:
            return "null";
        case json::value_t::boolean:
            return "boolean";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
            return "integer";
        case json::value_t::number_float:
            return "number";
        case json::value_t::string:
            return "string";
        case json::value_t::array:
            return "array";
        case json::value_t::object:
            return "object";
        default:
            return "unknown";
    }
}

bool type_matches(const std::string& want, const json& v) {
    const std::string t = type_of(v);
    if (want == t) return true;
    if (want == "number" && t == "integer") return true;
    if (want == "integer" && t == "number") {
        const double d = v.get<double>();
        return std::isfinite(d) && std::floor(d) == d;
    }
    return false;
}

std::string escape_pointer(const std::string& key) {
    std::string s;
    for (char c : key) {
        if (c == '~')
            s += "~0";
        else if (c == '/')
            s += "~1";
        else
            s += c;
    }
    return s;
}

class Validator {
  public:
    explicit Validator(const json& root) : root_(root) {}
    std::vector<SchemaError> errors;

    void check(const json& schema, const json& v, const std::string& ptr, int depth = 0) {
        if (depth > 64) {
            add(ptr, "schema nesting too deep");
            return;
        }
        if (schema.is_boolean()) {
            if (!schema.get<bool>()) add(ptr, "no value is allowed here");
            return;
        }
        if (!schema.is_object()) return;
        if (auto it = schema.find("$ref"); it != schema.end()) {
            const json* target = resolve(it->get<std::string>());
            if (!target) {
                add(ptr, "schema has an unresolvable $ref " + it->get<std::string>());
                return;
            }
            check(*target, v, ptr, depth + 1);
        }
        if (auto it = schema.find("type"); it != schema.end()) {
            bool ok = false;
            std::string names;
            if (it->is_array()) {
                for (const auto& t : *it) {
                    ok = ok || type_matches(t.get<std::string>(), v);
                    names += (names.empty() ? "" : " or ") + t.get<std::string>();
                }
            } else {
                ok = type_matches(it->get<std::string>(), v);
                names = it->get<std::string>();
            }
            if (!ok) {
                add(ptr, "expected " + names + ", got " + type_of(v));
                return;
            }
        }
        if (auto it = schema.find("enum"); it != schema.end()) {
            bool found = false;
            for (const auto& e : *it) found = found || e == v;
            if (!found) add(ptr, "value " + v.dump() + " is not one of " + it->dump());
        }
        if (auto it = schema.find("const"); it != schema.end() && *it != v)
            add(ptr, "value " + v.dump() + " must be " + it->dump());
        if (v.is_number()) {
            const double d = v.get<double>();
            if (auto it = schema.find("minimum"); it != schema.end() && d < it->get<double>())
                add(ptr, "value " + v.dump() + " is below the minimum " + it->dump());
            if (auto it = schema.find("maximum"); it != schema.end() && d > it->get<double>())
                add(ptr, "value " + v.dump() + " is above the maximum " + it->dump());
            if (auto it = schema.find("exclusiveMinimum");
                it != schema.end() && !(d > it->get<double>()))
                add(ptr, "value " + v.dump() + " must be greater than " + it->dump());
        }
        if (v.is_string()) {
            if (auto it = schema.find("minLength");
                it != schema.end() && v.get<std::string>().size() < it->get<std::size_t>())
                add(ptr, "string shorter than " + it->dump());
        }
        if (v.is_array()) {
            if (auto it = schema.find("minItems");
                it != schema.end() && v.size() < it->get<std::size_t>())
                add(ptr, "array has " + std::to_string(v.size()) + " items, needs at least " +
                             it->dump());
            if (auto it = schema.find("items"); it != schema.end())
                for (std::size_t i = 0; i < v.size(); ++i)
                    check(*it, v[i], ptr + "/" + std::to_string(i), depth + 1);
        }
        if (v.is_object()) {
            if (auto it = schema.find("required"); it != schema.end())
                for (const auto& r : *it)
                    if (!v.contains(r.get<std::string>()))
                        add(ptr, "missing required field \"" + r.get<std::string>() + "\"");
            const json* props = nullptr;
            if (auto it = schema.find("properties"); it != schema.end()) props = &*it;
            const auto addl = schema.find("additionalProperties");
            for (const auto& [k, val] : v.items()) {
                const std::string child = ptr + "/" + escape_pointer(k);
                if (props && props->contains(k)) {
                    check((*props)[k], val, child, depth + 1);
                } else if (addl != schema.end()) {
                    if (addl->is_boolean() && !addl->get<bool>())
                        add(child, "unexpected field \"" + k + "\"");
                    else
                        check(*addl, val, child, depth + 1);
                }
            }
        }
        if (auto it = schema.find("anyOf"); it != schema.end()) {
            bool any = false;
            for (const auto& alt : *it) {
                Validator sub(root_);
                sub.check(alt, v, ptr, depth + 1);
                if (sub.errors.empty()) {
                    any = true;
                    break;
                }
            }
            if (!any) add(ptr, "value matches none of the allowed forms");
        }
    }

  private:
    const json& root_;

    void add(const std::string& ptr, const std::string& msg) {
        errors.push_back({ptr.empty() ? "/" : ptr, msg});
    }

    const json* resolve(const std::string& ref) const {
        if (ref.rfind("#/", 0) != 0) return nullptr;
        const json* cur = &root_;
        std::size_t pos = 2;
        while (pos <= ref.size()) {
            const std::size_t next = ref.find('/', pos);
            const std::string key =
                ref.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
            if (!cur->is_object() || !cur->contains(key)) return nullptr;
            cur = &(*cur)[key];
            if (next == std::string::npos) break;
            pos = next + 1;
        }
        return cur;
    }
};

}  // namespace

std::vector<SchemaError> validate_json_schema(const json& schema, const json& doc) {
    Validator v(schema);
    v.check(schema, doc, "");
    return v.errors;
}

void require_schema_valid(const json& schema, const json& doc, const std::string& what) {
    const auto errs = validate_json_schema(schema, doc);
    if (errs.empty()) return;
    std::string msg = what + " does not match its schema: ";
    for (std::size_t i = 0; i < errs.size() && i < 3; ++i)
        msg += (i ? "; " : "") + errs[i].pointer + ": " + errs[i].message;
    if (errs.size() > 3) msg += " (and " + std::to_string(errs.size() - 3) + " more)";
    throw UsageError(msg);
}

}  // namespace flopmeter
