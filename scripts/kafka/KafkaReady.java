import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Readiness probe for scripts/kafka.sh: exits 0 once the broker answers a Metadata request
 * (Admin#listTopics), i.e. it serves clients rather than merely accepting TCP connections.
 * Run in source-file mode, no build step: java -cp "LIBS/*" KafkaReady.java 127.0.0.1:9092
 */
public class KafkaReady {
    public static void main(String[] args) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args.length > 0 ? args[0] : "127.0.0.1:9092");
        // Fail fast: kafka.sh calls this in a loop under its own overall deadline.
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        try (Admin admin = Admin.create(props)) {
            Set<String> topics = admin.listTopics().names().get(6, TimeUnit.SECONDS);
            System.out.println("metadata ok: " + topics.size() + " topic(s)");
        } catch (Exception e) {
            System.err.println("not ready: " + e);
            System.exit(1);
        }
    }
}
