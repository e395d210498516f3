#ifndef RENEWALGIS_CSPATIALITE_SHIM_H
#define RENEWALGIS_CSPATIALITE_SHIM_H
#include <sqlite3.h>
#include <stddef.h>

/// Loads the mod_spatialite extension into one SQLite connection, then switches
/// extension loading off again. Returns SQLITE_OK or an SQLite error code; on
/// failure *message holds text to free with sqlite3_free (or NULL).
static inline int rg_load_spatialite(sqlite3 *db, char **message) {
    int rc = sqlite3_enable_load_extension(db, 1);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_load_extension(db, "mod_spatialite", NULL, message);
    sqlite3_enable_load_extension(db, 0);
    return rc;
}

/// Switches off SQLite's memory statistics, which take a process-wide mutex around every
/// allocation SQLite makes. Only effective before SQLite initialises (returns SQLITE_MISUSE after).
static inline int rg_sqlite_without_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/// sqlite3_bind_text / _blob with SQLITE_TRANSIENT (a macro Swift cannot import): SQLite
/// copies the bytes, so the caller's buffer may go away after the call.
static inline int rg_bind_text(sqlite3_stmt *stmt, int index, const char *text, int length) {
    return sqlite3_bind_text(stmt, index, text, length, SQLITE_TRANSIENT);
}
static inline int rg_bind_blob(sqlite3_stmt *stmt, int index, const void *bytes, int length) {
    return sqlite3_bind_blob(stmt, index, bytes, length, SQLITE_TRANSIENT);
}
#endif
