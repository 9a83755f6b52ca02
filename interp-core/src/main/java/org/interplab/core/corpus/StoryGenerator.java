package org.interplab.core.corpus;

import java.util.List;
import java.util.Set;
import org.interplab.core.task.Rng;

/**
 * The embedded default corpus: simple children's stories written for this project, generated deterministically
 * from a seed (story i depends only on the seed and i). Each story has a named child (whose name and pronoun recur),
 * an animal, an object, a place, feelings and quoted dialogue; "a"/"an" always agree with the word that follows
 * ("an apple", "a big apple", "an old owl") — regularities a small language model's neurons can pick up.
 */
public final class StoryGenerator {
    public static final String CORPUS_ID = "builtin-stories";
    public static final String CORPUS_NAME = "Built-in generated stories";
    public static final int DEFAULT_STORIES = 24_000;
    public static final long DEFAULT_SEED = 2026;

    private record Child(String name, String pronoun, String object, String possessive, String kind) {
    }

    private static final List<Child> CHILDREN = List.of(
            girl("Lily"), girl("Mia"), girl("Anna"), girl("Lucy"), girl("Emma"), girl("Zoe"), girl("Sara"),
            girl("Ella"), girl("Ruby"), girl("Amy"), girl("Sue"), girl("Kim"), girl("Jane"), girl("Ivy"),
            boy("Tom"), boy("Ben"), boy("Sam"), boy("Max"), boy("Jack"), boy("Leo"), boy("Tim"), boy("Finn"),
            boy("Noah"), boy("Eli"), boy("Bob"), boy("Joe"), boy("Dan"), boy("Owen"));
    private static final List<String> ANIMALS = List.of("owl", "elephant", "ant", "octopus", "eagle", "iguana",
            "dog", "cat", "bird", "frog", "rabbit", "bear", "duck", "fox", "lion", "mouse", "horse", "pig", "turtle",
            "puppy", "kitten", "bunny", "squirrel", "goat", "cow", "sheep", "otter", "ostrich", "alligator", "emu");
    private static final List<String> OBJECTS = List.of("apple", "orange", "egg", "umbrella", "ice cream", "acorn",
            "ball", "kite", "box", "toy car", "hat", "book", "drum", "balloon", "cookie", "shell", "flower", "cake",
            "doll", "boat", "rock", "stick", "cup", "blanket", "key", "map", "star", "envelope", "anchor", "owl toy");
    private static final List<String> PLACES = List.of("park", "garden", "forest", "beach", "farm", "lake", "hill",
            "school", "kitchen", "yard", "river", "zoo", "house", "meadow", "island", "orchard", "attic");
    private static final List<String> ADJECTIVES = List.of("big", "little", "red", "blue", "old", "shiny", "tiny",
            "orange", "soft", "yellow", "amazing", "ugly", "green", "pretty", "odd", "empty", "huge", "funny");
    private static final List<String> GOOD_FEELINGS = List.of("happy", "excited", "proud", "glad", "calm");
    private static final List<String> BAD_FEELINGS = List.of("sad", "scared", "angry", "upset", "worried", "lonely");
    private static final List<String> WEATHER = List.of("sunny", "rainy", "windy", "cold", "warm", "snowy");
    private static final List<String> ACTIONS = List.of("play", "run", "jump", "sing", "dance", "swim", "read",
            "draw", "dig", "climb");
    /** Vowel-initial words that still take "a" (a "yoo" sound). */
    private static final Set<String> A_BEFORE_VOWEL = Set.of("unicorn", "uniform", "useful", "one");

    private final long seed;

    public StoryGenerator(long seed) {
        this.seed = seed;
    }

    private static Child girl(String name) {
        return new Child(name, "she", "her", "her", "girl");
    }

    private static Child boy(String name) {
        return new Child(name, "he", "him", "his", "boy");
    }

    /** "a" or "an" for the word that follows, by its first sound. */
    public static String article(String nextWord) {
        String w = nextWord.toLowerCase(java.util.Locale.ROOT);
        String first = w.split("[ ,.!?]", 2)[0];
        if (A_BEFORE_VOWEL.contains(first)) {
            return "a";
        }
        return "aeiou".indexOf(w.charAt(0)) >= 0 ? "an" : "a";
    }

    /** {@code word} with its article: "an apple", "a ball". */
    public static String withArticle(String word) {
        return article(word) + " " + word;
    }

    /** Story number {@code index} (the same text for the same seed and index). */
    public String story(int index) {
        Rng r = new Rng(Rng.derive(seed, "story") ^ (index * 0x9E3779B97F4A7C15L));
        r.nextLong();
        Child c = pick(r, CHILDREN);
        Child friend = pick(r, CHILDREN);
        while (friend.name().equals(c.name())) {
            friend = pick(r, CHILDREN);
        }
        String animal = pick(r, ANIMALS);
        String object = pick(r, OBJECTS);
        String place = pick(r, PLACES);
        String adjective = pick(r, ADJECTIVES);
        String good = pick(r, GOOD_FEELINGS);
        String bad = pick(r, BAD_FEELINGS);
        String action = pick(r, ACTIONS);
        String thing = r.nextInt(2) == 0 ? object : adjective + " " + object;
        String name = c.name();
        String he = c.pronoun();
        String He = cap(he);
        StringBuilder s = new StringBuilder(700);

        switch (r.nextInt(4)) {
            case 0 -> s.append("Once upon a time, there was ").append(withArticle("little " + c.kind()))
                    .append(" named ").append(name).append(". ").append(name).append(" lived near ")
                    .append(withArticle(place.equals("island") || place.equals("orchard") ? place : "big " + place))
                    .append(". ");
            case 1 -> s.append("One ").append(pick(r, WEATHER)).append(" day, ").append(name).append(" went to the ")
                    .append(place).append(" with ").append(c.possessive()).append(" friend ").append(friend.name())
                    .append(". ");
            case 2 -> s.append(name).append(" was ").append(withArticle(pick(r, List.of("kind", "curious",
                    "happy", "brave", "shy", "honest", "active")) + " " + c.kind())).append(". ").append(He)
                    .append(" loved to ").append(action).append(" in the ").append(place).append(". ");
            default -> s.append("Once upon a time, ").append(withArticle(animal)).append(" lived in the ")
                    .append(place).append(". Every day, ").append(name).append(" came to visit the ").append(animal)
                    .append(". ");
        }

        s.append("One day, ").append(name).append(" found ").append(withArticle(thing)).append(" ")
                .append(pick(r, List.of("under a tree", "in the grass", "by the door", "near the water",
                        "behind a rock", "in a box")))
                .append(". ");
        s.append(name).append(" said, \"").append(pick(r, List.of(
                "Wow, look at this " + object + "!",
                "What " + withArticle(adjective + " " + object) + "!",
                "I will keep this " + object + " safe.",
                "I want to show this to " + friend.name() + "!",
                "Is this " + withArticle(object) + "?"))).append("\" ");
        s.append(He).append(" felt very ").append(good).append(". ");

        if (r.nextInt(3) > 0) {
            s.append("Then ").append(withArticle(pick(r, List.of("", "old ", "little ", "angry ", "friendly "))
                    .concat(animal))).append(" came to ").append(name).append(". ");
            s.append("The ").append(animal).append(" said, \"").append(pick(r, List.of(
                    "Hello, " + name + "! Can I play with you?",
                    "That is my " + object + ". Can I have it back?",
                    "I am " + bad + ". I lost my home.",
                    "Can you help me, " + name + "?"))).append("\" ");
            s.append(name).append(" said, \"").append(pick(r, List.of(
                    "Yes, let us " + action + " together!",
                    "Of course! I will help you.",
                    "Do not be " + bad + ". I am here.",
                    "You can share my " + object + "."))).append("\" ");
        } else {
            s.append("But then ").append(name).append(" lost the ").append(object).append(". ").append(He)
                    .append(" was ").append(bad).append(". ").append(He).append(" looked everywhere in the ")
                    .append(place).append(". ").append(friend.name()).append(" came and asked, \"Why are you ")
                    .append(bad).append(", ").append(name).append("?\" ").append(name).append(" said, \"I lost my ")
                    .append(object).append(".\" ");
            s.append(friend.name()).append(" helped ").append(c.object()).append(" look, and they found it near ")
                    .append(withArticle(pick(r, List.of("old tree", "apple tree", "big rock", "empty box",
                            "orange bush", "little house"))))
                    .append(". ");
        }

        switch (r.nextInt(3)) {
            case 0 -> s.append("From that day on, ").append(name).append(" and the ").append(animal)
                    .append(" were best friends. They played in the ").append(place).append(" every day.");
            case 1 -> s.append(name).append(" smiled and said, \"Thank you!\" ").append(He).append(" was ")
                    .append(good).append(" again, and ").append(c.possessive()).append(" ").append(object)
                    .append(" was safe.");
            default -> s.append("At the end of the day, ").append(name).append(" went home. ").append(He)
                    .append(" told ").append(c.possessive()).append(" mom about ").append(withArticle(thing))
                    .append(" and ").append(withArticle(animal)).append(". Mom smiled and gave ").append(c.object())
                    .append(" ").append(withArticle(pick(r, List.of("hug", "apple", "orange", "cookie", "egg"))))
                    .append(".");
        }
        return s.toString();
    }

    /**
     * Generates stories 0 … {@code count}−1 and tokenizes them into the two splits (split seed = this generator's
     * seed); progress is in stories.
     */
    public CorpusTokenizer.Summary tokenize(int count, java.io.OutputStream train, java.io.OutputStream validation,
                                            CorpusTokenizer.Progress progress) throws java.io.IOException {
        try (CorpusTokenizer t = new CorpusTokenizer(seed, train, validation)) {
            for (int i = 0; i < count; i++) {
                t.add(story(i));
                if ((i + 1) % 1000 == 0) {
                    progress.update(i + 1, count);
                }
            }
            CorpusTokenizer.Summary summary = t.finish();
            progress.update(count, count);
            return summary;
        }
    }

    private static String cap(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static <T> T pick(Rng r, List<T> values) {
        return values.get(r.nextInt(values.size()));
    }
}
