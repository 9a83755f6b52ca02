import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.interplab.core.corpus.Gpt2Tokenizer;
import org.interplab.core.corpus.StoryGenerator;

/**
 * Writes the lab's built-in stories (StoryGenerator, default seed) as GPT-2 token ids, one story per line, for
 * make_gpt_neo_stories.py. Single-file source launch against interp-core's classpath:
 *
 * <pre>
 * java -cp 'benchmarks/target/lib/*' interp-core/src/test/python/ExportStories.java stories.txt 3000
 * </pre>
 */
public final class ExportStories {
    public static void main(String[] args) throws IOException {
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        StoryGenerator g = new StoryGenerator(StoryGenerator.DEFAULT_SEED);
        Gpt2Tokenizer tok = Gpt2Tokenizer.get();
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(args[0])))) {
            for (int i = 0; i < count; i++) {
                StringBuilder line = new StringBuilder();
                for (int t : tok.encode(g.story(i))) {
                    line.append(t).append(' ');
                }
                out.println(line.toString().trim());
            }
        }
        System.out.println("wrote " + count + " stories to " + args[0]);
    }
}
