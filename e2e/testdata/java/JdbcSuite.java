// Client checks for pgjdbc (what DBeaver, Metabase and Tableau use).
// Run as: java -cp postgresql.jar JdbcSuite.java <jdbc url> <user> <password>
// The same checks run against duckstore and against PostgreSQL 15 holding
// the same fixture (e2e/testdata/fixture.sql), so every expectation is
// PostgreSQL's own. Prints one line per check and "checks <n> failed <m>".
import java.math.BigDecimal;
import java.sql.*;
import java.time.*;
import java.util.*;

public class JdbcSuite {
    static int checks = 0, failed = 0;
    static String url, user, password;

    interface Body { void run(Connection c) throws Exception; }

    static void check(String name, Properties extra, Body body) {
        checks++;
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        if (extra != null) p.putAll(extra);
        try (Connection c = DriverManager.getConnection(url, p)) {
            body.run(c);
            System.out.println("ok " + name);
        } catch (Throwable e) {
            failed++;
            System.out.println("FAIL " + name + ": " + e);
            e.printStackTrace(System.out);
        }
    }

    static void check(String name, Body body) { check(name, null, body); }

    static void eq(Object got, Object want, String what) {
        if (!Objects.equals(got, want)) throw new AssertionError(what + ": got " + got + ", want " + want);
    }

    static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) p.setProperty(kv[i], kv[i + 1]);
        return p;
    }

    public static void main(String[] args) throws Exception {
        url = args[0]; user = args[1]; password = args[2];

        check("getSchemas lists the buckets", c -> {
            List<String> schemas = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getSchemas()) {
                while (rs.next()) schemas.add(rs.getString("TABLE_SCHEM"));
            }
            if (!schemas.containsAll(List.of("in.c-sales", "out.c-reports"))) throw new AssertionError("schemas " + schemas);
            if (schemas.contains("in.c-secret")) throw new AssertionError("another project's bucket is visible");
        });
        check("getTables finds the tables", c -> {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getTables(null, "%", "%", new String[]{"TABLE"})) {
                while (rs.next()) tables.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME"));
            }
            Collections.sort(tables);
            eq(tables, List.of("in.c-sales.orders", "out.c-reports.daily"), "tables");
        });
        check("getColumns types, sizes and nullability", c -> {
            Map<String, String> types = new LinkedHashMap<>();
            Map<String, Integer> sqlTypes = new HashMap<>();
            Map<String, Integer> nullable = new HashMap<>();
            Map<String, Integer> sizes = new HashMap<>(), digits = new HashMap<>();
            try (ResultSet rs = c.getMetaData().getColumns(null, "in.c-sales", "orders", "%")) {
                while (rs.next()) {
                    String n = rs.getString("COLUMN_NAME");
                    types.put(n, rs.getString("TYPE_NAME"));
                    sqlTypes.put(n, rs.getInt("DATA_TYPE"));
                    nullable.put(n, rs.getInt("NULLABLE"));
                    sizes.put(n, rs.getInt("COLUMN_SIZE"));
                    digits.put(n, rs.getInt("DECIMAL_DIGITS"));
                }
            }
            eq(String.join(",", types.keySet()), "id,customer,amount,quantity,big,ratio,score,paid,order_date,order_time,created_at,updated_at,duration,uid,payload,raw,tags,nums", "columns");
            eq(types.get("id"), "int4", "id type");
            eq(types.get("amount"), "numeric", "amount type");
            eq(sizes.get("amount"), 12, "amount precision");
            eq(digits.get("amount"), 2, "amount scale");
            eq(types.get("updated_at"), "timestamptz", "updated_at type");
            eq(sqlTypes.get("updated_at"), Types.TIMESTAMP, "updated_at sql type");
            eq(types.get("tags"), "_text", "tags type");
            eq(sqlTypes.get("tags"), Types.ARRAY, "tags sql type");
            eq(types.get("uid"), "uuid", "uid type");
            eq(nullable.get("id"), DatabaseMetaData.columnNoNulls, "id nullable");
            eq(nullable.get("amount"), DatabaseMetaData.columnNullable, "amount nullable");
        });
        check("getPrimaryKeys", c -> {
            List<String> cols = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getPrimaryKeys(null, "out.c-reports", "daily")) {
                while (rs.next()) cols.add(rs.getShort("KEY_SEQ") + ":" + rs.getString("COLUMN_NAME"));
            }
            Collections.sort(cols);
            eq(cols, List.of("1:day", "2:region"), "primary key");
        });
        check("getIndexInfo shows the primary key index", c -> {
            List<String> idx = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getIndexInfo(null, "in.c-sales", "orders", true, false)) {
                while (rs.next()) idx.add(rs.getString("INDEX_NAME") + ":" + rs.getString("COLUMN_NAME") + ":" + rs.getBoolean("NON_UNIQUE"));
            }
            eq(idx, List.of("orders_pkey:id:false"), "indexes");
        });
        check("getTypeInfo", c -> {
            Set<String> names = new HashSet<>();
            try (ResultSet rs = c.getMetaData().getTypeInfo()) {
                while (rs.next()) names.add(rs.getString("TYPE_NAME"));
            }
            for (String t : List.of("int4", "int8", "text", "numeric", "timestamptz", "bool", "bytea", "uuid", "json"))
                if (!names.contains(t)) throw new AssertionError("missing type " + t);
        });
        check("server-side prepared statement with typed parameters", props("prepareThreshold", "1"), c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT customer, amount, updated_at FROM \"in.c-sales\".orders WHERE id = ? AND paid = ? AND order_date >= ?")) {
                for (int i = 0; i < 3; i++) {
                    ps.setInt(1, 1);
                    ps.setBoolean(2, true);
                    ps.setDate(3, java.sql.Date.valueOf("2024-01-01"));
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) throw new AssertionError("no row");
                        eq(rs.getString(1), "Alice", "customer");
                        eq(rs.getBigDecimal(2), new BigDecimal("1234.50"), "amount");
                        eq(rs.getObject(3, OffsetDateTime.class), OffsetDateTime.parse("2024-01-15T13:45:30.123456Z"), "updated_at");
                    }
                }
            }
        });
        check("typed getters", c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM \"in.c-sales\".orders WHERE id = 1")) {
                rs.next();
                eq(rs.getInt("id"), 1, "id");
                eq(rs.getShort("quantity"), (short) 3, "quantity");
                eq(rs.getLong("big"), 9007199254740993L, "big");
                eq(rs.getDouble("ratio"), 0.1, "ratio");
                eq(rs.getFloat("score"), 1.5f, "score");
                eq(rs.getBoolean("paid"), true, "paid");
                eq(rs.getObject("order_date", LocalDate.class), LocalDate.of(2024, 1, 15), "order_date");
                eq(rs.getObject("order_time", LocalTime.class), LocalTime.of(13, 45, 30, 500_000_000), "order_time");
                eq(rs.getObject("created_at", LocalDateTime.class), LocalDateTime.of(2024, 1, 15, 13, 45, 30, 123_456_000), "created_at");
                eq(rs.getObject("uid", UUID.class), UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), "uid");
                eq(Arrays.toString(rs.getBytes("raw")), Arrays.toString(new byte[]{(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef}), "raw");
                eq(Arrays.toString((Object[]) rs.getArray("tags").getArray()), "[x, y z]", "tags");
                eq(Arrays.toString((Object[]) rs.getArray("nums").getArray()), "[1, 2, 3]", "nums");
                eq(rs.getString("payload").replace(" ", ""), "{\"k\":[1,2]}", "payload");
            }
        });
        check("setFetchSize streams with autocommit off", c -> {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.setFetchSize(2);
                try (ResultSet rs = st.executeQuery("SELECT g FROM generate_series(1, 5000) AS s(g)")) {
                    long sum = 0, n = 0;
                    while (rs.next()) { sum += rs.getLong(1); n++; }
                    eq(n, 5000L, "rows");
                    eq(sum, 5000L * 5001 / 2, "sum");
                }
            }
            c.commit();
        });
        for (String rewrite : List.of("false", "true")) {
            check("executeBatch (reWriteBatchedInserts=" + rewrite + ")", props("reWriteBatchedInserts", rewrite), c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO \"out.c-reports\".daily (day, region, total) VALUES (?, ?, ?)")) {
                    for (int i = 0; i < 50; i++) {
                        ps.setDate(1, java.sql.Date.valueOf("2032-01-01"));
                        ps.setString(2, "R" + i);
                        ps.setBigDecimal(3, new BigDecimal(i + ".5"));
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*), sum(total) FROM \"out.c-reports\".daily WHERE day = '2032-01-01'")) {
                    rs.next();
                    eq(rs.getLong(1), 50L, "rows");
                    eq(rs.getBigDecimal(2), new BigDecimal("1250.00"), "sum");
                }
                try (Statement st = c.createStatement()) {
                    eq(st.executeUpdate("DELETE FROM \"out.c-reports\".daily WHERE day = '2032-01-01'"), 50, "deleted");
                }
            });
        }
        check("errors carry SQLSTATE and the connection stays usable", c -> {
            try (Statement st = c.createStatement()) {
                try {
                    st.executeQuery("SELECT * FROM \"in.c-sales\".nope");
                    throw new AssertionError("no error");
                } catch (SQLException e) {
                    eq(e.getSQLState(), "42P01", "sqlstate");
                }
                try (ResultSet rs = st.executeQuery("SELECT 1")) { rs.next(); eq(rs.getInt(1), 1, "after error"); }
            }
        });
        System.out.println("checks " + checks + " failed " + failed);
        System.exit(failed == 0 ? 0 : 1);
    }
}
