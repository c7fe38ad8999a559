import java.sql.Connection;
import java.sql.DriverManager;

/**
 * What a connection pool (HikariCP, the JDK's own) asks before lending a connection:
 * Connection.isValid, which pgJDBC answers by running an empty statement through the extended
 * protocol. Prints "valid" or "invalid". Usage: java -cp postgresql.jar IsValid.java URL USER PASSWORD
 */
public class IsValid {
    public static void main(String[] args) throws Exception {
        try (Connection conn = DriverManager.getConnection(args[0], args[1], args[2])) {
            System.out.println(conn.isValid(10) ? "valid" : "invalid");
            System.out.println(conn.isValid(10) ? "valid" : "invalid");
        }
    }
}
