import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLWarning;
import java.sql.Statement;

/**
 * Reads a column computed from a masked one through a portal in chunks (a fetch size inside a
 * transaction: one Execute per row) and prints the rows, then every SQLWarning the statement
 * and its result set collected: the gateway's warning that the column is redacted, which it sends once per result,
 * not once per chunk. Usage: java -cp postgresql.jar RedactedWarning.java URL USER PASSWORD
 */
public class RedactedWarning {
    public static void main(String[] args) throws Exception {
        try (Connection conn = DriverManager.getConnection(args[0], args[1], args[2])) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                st.setFetchSize(1);
                try (ResultSet rs = st.executeQuery("SELECT id, upper(ssn) AS u FROM customers ORDER BY id")) {
                    while (rs.next()) {
                        System.out.println("row\t" + rs.getInt(1) + "\t" + rs.getString(2));
                    }

                    // Warnings of the later chunks' fetches are the result set's.
                    for (SQLWarning w = rs.getWarnings(); w != null; w = w.getNextWarning()) {
                        System.out.println("warning\t" + w.getSQLState() + "\t" + w.getMessage());
                    }
                }

                for (SQLWarning w = st.getWarnings(); w != null; w = w.getNextWarning()) {
                    System.out.println("warning\t" + w.getSQLState() + "\t" + w.getMessage());
                }
            }
            conn.commit();
        }
    }
}
