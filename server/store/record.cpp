#include "server/store/record.hpp"

namespace parley::store {

std::string_view kind_name(RecordKind k) {
    switch (k) {
        case RecordKind::message:
            return "message";
        case RecordKind::action:
            return "action";
        case RecordKind::notice:
            return "notice";
    }
    return "message";
}

bool kind_from_name(std::string_view name, RecordKind& out) {
    for (const RecordKind k : {RecordKind::message, RecordKind::action, RecordKind::notice}) {
        if (kind_name(k) == name) {
            out = k;
            return true;
        }
    }
    return false;
}

}  // namespace parley::store
