// Calls the DatabaseMetaData methods BI tools built on pgjdbc (DBeaver,
// Metabase, Tableau) use, so that their queries land in the server log.
// Run: java -cp /usr/share/java/postgresql.jar JdbcMeta.java jdbc:postgresql://127.0.0.1:PORT/postgres?user=postgres
import java.sql.*;

public class JdbcMeta {
    static Connection conn;

    static void mark(String name) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute("SELECT 'capture: " + name + "'");
        }
    }

    static void drain(ResultSet rs) throws SQLException {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
            for (int i = 1; i <= n; i++) {
                rs.getObject(i);
            }
        }
        rs.close();
    }

    public static void main(String[] args) throws Exception {
        conn = DriverManager.getConnection(args[0]);
        DatabaseMetaData md = conn.getMetaData();
        mark("getSchemas");
        drain(md.getSchemas());
        mark("getSchemas(pattern)");
        drain(md.getSchemas(null, "in%"));
        mark("getCatalogs");
        drain(md.getCatalogs());
        mark("getTables");
        drain(md.getTables(null, null, "%", new String[] {"TABLE", "VIEW"}));
        mark("getTables(schema)");
        drain(md.getTables(null, "in.c-sales", "%", null));
        mark("getColumns");
        drain(md.getColumns(null, "in.c-sales", "orders", "%"));
        mark("getColumns(all)");
        drain(md.getColumns(null, null, "%", null));
        mark("getPrimaryKeys");
        drain(md.getPrimaryKeys(null, "in.c-sales", "order_lines"));
        mark("getIndexInfo");
        drain(md.getIndexInfo(null, "in.c-sales", "orders", false, true));
        mark("getImportedKeys");
        drain(md.getImportedKeys(null, "in.c-sales", "orders"));
        mark("getExportedKeys");
        drain(md.getExportedKeys(null, "in.c-sales", "orders"));
        mark("getTypeInfo");
        drain(md.getTypeInfo());
        mark("getFunctions");
        drain(md.getFunctions(null, "in.c-sales", "%"));
        mark("getProcedures");
        drain(md.getProcedures(null, "in.c-sales", "%"));
        mark("getTablePrivileges");
        drain(md.getTablePrivileges(null, "in.c-sales", "orders"));
        mark("getArray");
        // Reading arrays and describing columns makes the driver look up
        // the types it has not cached.
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT * FROM \"in.c-sales\".\"all_types\"")) {
            ResultSetMetaData rmd = rs.getMetaData();
            for (int i = 1; i <= rmd.getColumnCount(); i++) {
                rmd.getColumnTypeName(i);
                rmd.isNullable(i);
                rmd.isAutoIncrement(i);
                rmd.getTableName(i);
                rmd.getSchemaName(i);
            }
            while (rs.next()) {
                rs.getArray("c_int_list");
            }
        }
        try (PreparedStatement ps = conn.prepareStatement("SELECT ?::text[], ?::int4[]")) {
            ps.setArray(1, conn.createArrayOf("text", new String[] {"a"}));
            ps.setArray(2, conn.createArrayOf("int4", new Integer[] {1}));
            drain(ps.executeQuery());
        }
        mark("end");
        conn.close();
    }
}
