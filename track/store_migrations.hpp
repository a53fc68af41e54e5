// The store's schema history: migration i (1-based) takes a store from version i-1 to i.
// Never edit a released migration; append a new one. Each runs in its own transaction
// together with the PRAGMA user_version update, so a crash leaves the previous version.
#pragma once

#include <string>
#include <vector>

namespace flopmeter {

// 'FLMT': marks a file as a flopmeter store (PRAGMA application_id).
inline constexpr int kStoreApplicationId = 0x464C4D54;

const std::vector<std::string>& store_migrations();

}  // namespace flopmeter
