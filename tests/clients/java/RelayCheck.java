import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A fixed pgJDBC workload whose printed results must be the same directly and through the
 * gateway. Usage: java -cp postgresql.jar RelayCheck.java JDBC_URL USER PASSWORD
 * prepareThreshold=1 makes pgJDBC use named server-side statements from the first execution;
 * a fetch size inside a transaction makes it read a portal in chunks (Execute with a row limit,
 * PortalSuspended); executeBatch pipelines many Bind/Execute pairs before one Sync.
 */
public class RelayCheck {
    public static void main(String[] args) throws Exception {
        List<String> out = new ArrayList<>();
        String url = args[0] + (args[0].contains("?") ? "&" : "?") + "prepareThreshold=1";
        try (Connection conn = DriverManager.getConnection(url, args[1], args[2])) {
            try (Statement st = conn.createStatement()) {
                st.execute("DROP TABLE IF EXISTS jdbc_items");
                st.execute("CREATE TABLE jdbc_items (id int PRIMARY KEY, name text, price numeric(8,2), made timestamptz, data bytea)");
            }

            conn.setAutoCommit(false);
            try (PreparedStatement insert = conn.prepareStatement("INSERT INTO jdbc_items VALUES (?, ?, ?, now(), ?)")) {
                for (int i = 1; i <= 1000; i++) {
                    insert.setInt(1, i);
                    insert.setString(2, "item " + i);
                    insert.setBigDecimal(3, new java.math.BigDecimal(i).movePointLeft(1));
                    insert.setBytes(4, new byte[] {(byte) i, (byte) (i >> 8), 0, 127});
                    insert.addBatch();
                }
                int[] counts = insert.executeBatch();
                out.add("batch\t" + counts.length);
            }
            conn.commit();

            try (PreparedStatement query = conn.prepareStatement("SELECT id, name, price, data FROM jdbc_items WHERE id % ? = 0 ORDER BY id")) {
                for (int divisor : new int[] {100, 250, 500}) {
                    query.setInt(1, divisor);
                    StringBuilder rows = new StringBuilder();
                    try (ResultSet rs = query.executeQuery()) {
                        while (rs.next()) {
                            byte[] data = rs.getBytes(4);
                            rows.append(rs.getInt(1)).append('|').append(rs.getString(2)).append('|')
                                .append(rs.getBigDecimal(3)).append('|').append(data.length).append(';');
                        }
                    }
                    out.add("query " + divisor + "\t" + rows);
                }
            }

            try (Statement st = conn.createStatement()) {
                st.setFetchSize(64);
                long sum = 0;
                int rows = 0;
                try (ResultSet rs = st.executeQuery("SELECT id FROM jdbc_items ORDER BY id")) {
                    while (rs.next()) {
                        sum += rs.getInt(1);
                        rows++;
                    }
                }
                out.add("fetch_size_rows\t" + rows + "\t" + sum);
            }
            conn.commit();

            try (Statement st = conn.createStatement()) {
                st.executeUpdate("DELETE FROM jdbc_items WHERE id <= 10");
                conn.rollback();
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM jdbc_items")) {
                    rs.next();
                    out.add("after_rollback\t" + rs.getInt(1));
                }
            }
            conn.commit();

            try (Statement st = conn.createStatement()) {
                st.executeQuery("SELECT * FROM no_such_table");
            } catch (SQLException e) {
                out.add("error\t" + e.getSQLState());
                conn.rollback();
            }

            conn.setAutoCommit(true);
            try (Statement st = conn.createStatement()) {
                // og_notice (made by the test, not through the gateway: DO and function bodies are refused there) raises it.
                                st.execute("SELECT og_notice('careful', true)");
                out.add("warning\t" + (st.getWarnings() == null ? "none" : st.getWarnings().getMessage()));
            }
        }

        for (String line : out) {
            System.out.println(line);
        }
    }
}
