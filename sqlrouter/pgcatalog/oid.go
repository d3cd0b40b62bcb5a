package pgcatalog

// OIDs.
//
// PostgreSQL hands out OIDs from 16384 (FirstNormalObjectId) for user
// objects; everything below is built in. duckstore keeps the built-in
// OIDs of the fixtures (pg_catalog = 11, public = 2200, int4 = 23, ...)
// and derives every OID of a project object from its catalog id, so an
// OID a client cached stays valid across sessions and restarts:
//
//	16384 + id            the namespace of bucket id, the table id (ids are
//	                      unique across buckets and tables of the server)
//	16384 + 1<<27 + id    the primary key index of table id (pg_class 'i')
//	16384 + 2<<27 + id    the primary key constraint of table id
//	16384 + 3<<27 + id    the row type of table id (pg_type 'c')
//	16384 + 4<<27 + id    the array type of that row type
//	16384 + 5<<27 + n     the n-th column default of the snapshot
//	                      (pg_attrdef), numbered by table id then column
//	                      position; these are stable only while the set of
//	                      defaults does not change, and nothing but
//	                      pg_attrdef and pg_depend refers to them
//
// Ids therefore must be 1..MaxID. Every OID stays below 1<<31, so it also
// fits PostgreSQL clients that read oid columns as signed int4.
const (
	// FirstUserOID is PostgreSQL's FirstNormalObjectId.
	FirstUserOID = 16384
	// MaxID is the largest bucket or table id an OID can be derived from.
	MaxID = kindSpan - 1

	kindSpan = 1 << 27
)

const (
	kindObject = iota // buckets and tables
	kindIndex
	kindConstraint
	kindRowType
	kindRowArrayType
	kindAttrDef
)

// Built-in OIDs the package relies on (PostgreSQL's pg_*.dat).
const (
	OIDPgCatalog = 11   // namespace pg_catalog
	OIDPublic    = 2200 // namespace public
	OIDBootstrap = 10   // the bootstrap superuser's OID; here the session's role
	OIDDatabase  = 5    // pg_database: the session's database (postgres's OID)

	oidBtree     = 403  // pg_am btree
	oidArrayOps  = 2277 // anyarray, the input type of btree's array_ops
	classPgClass = 1259 // pg_class's own OID, the classoid of relations
	classPgNsp   = 2615 // pg_namespace's, the classoid of schemas
)

func derivedOID(kind int, id int64) uint32 {
	return uint32(FirstUserOID + int64(kind)*kindSpan + id)
}

// NamespaceOID is the OID of a bucket's schema. The bucket shown as
// public in a workspace session has OIDPublic instead (see
// Snapshot.PublicBucket).
func NamespaceOID(bucketID int64) uint32 { return derivedOID(kindObject, bucketID) }

// RelationOID is the OID of a table: pg_class.oid, pg_attribute.attrelid,
// and the table OID of RowDescription fields read from it.
func RelationOID(tableID int64) uint32 { return derivedOID(kindObject, tableID) }

// IndexOID is the OID of a table's primary key index.
func IndexOID(tableID int64) uint32 { return derivedOID(kindIndex, tableID) }

// ConstraintOID is the OID of a table's primary key constraint.
func ConstraintOID(tableID int64) uint32 { return derivedOID(kindConstraint, tableID) }

// RowTypeOID is the OID of a table's composite row type.
func RowTypeOID(tableID int64) uint32 { return derivedOID(kindRowType, tableID) }

// RowArrayTypeOID is the OID of the array type of a table's row type.
func RowArrayTypeOID(tableID int64) uint32 { return derivedOID(kindRowArrayType, tableID) }

func attrDefOID(n int) uint32 { return derivedOID(kindAttrDef, int64(n)) }
