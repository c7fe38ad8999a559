import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * Reads masked columns with pgJDBC the ways it reuses server-side statements: prepareThreshold=1
 * names the statement from the first execution, and later executions send Bind/Execute without
 * asking for the row description again; a fetch size inside a transaction reads a portal in
 * chunks. Prints every value it got. Usage: java -cp postgresql.jar MaskCheck.java URL USER PASSWORD
 */
public class MaskCheck {
    public static void main(String[] args) throws Exception {
        String url = args[0] + (args[0].contains("?") ? "&" : "?") + "prepareThreshold=1";
        try (Connection conn = DriverManager.getConnection(url, args[1], args[2])) {
            try (PreparedStatement query = conn.prepareStatement("SELECT name, ssn, email, card_number FROM customers WHERE id = ?")) {
                for (int round = 0; round < 3; round++) {
                    for (int id = 1; id <= 3; id++) {
                        query.setInt(1, id);
                        try (ResultSet rs = query.executeQuery()) {
                            while (rs.next()) {
                                System.out.println("prepared\t" + rs.getString(1) + "\t" + rs.getString(2) + "\t" + rs.getString(3) + "\t" + rs.getString(4));
                            }
                        }
                    }
                }
            }

            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                st.setFetchSize(1);
                try (ResultSet rs = st.executeQuery("SELECT name, upper(ssn) AS loud, c::text AS whole FROM customers c ORDER BY id")) {
                    while (rs.next()) {
                        System.out.println("fetched\t" + rs.getString(1) + "\t" + rs.getString(2) + "\t" + rs.getString(3));
                    }
                }
            }
            conn.commit();
        }
    }
}
