/* datadir.h: finding an installed data file (an XML schema, a table):
 * a configured folder, else REGISTRY_DATADIR, else the source tree. */
#ifndef REG_DATADIR_H
#define REG_DATADIR_H

#include <stddef.h>

#include "err.h"

/*
 * The path of relpath (e.g. "xsd/epp.xsd") into out. With configured_dir
 * set (a *.schema_dir setting), that folder holds the file itself:
 * configured_dir/<last part of relpath>. Otherwise REGISTRY_DATADIR/relpath,
 * then data/relpath in the executable's folder or one of its parents (the
 * source tree, for `make run` and the tests). REG_ECONFIG with a reason
 * when the file is not readable or the path does not fit.
 */
int datadir_find(const char *configured_dir, const char *relpath, char *out,
    size_t size, struct reg_err *err);

#endif
