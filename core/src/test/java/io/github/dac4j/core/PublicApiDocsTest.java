package io.github.dac4j.core;

import com.sun.source.doctree.DocCommentTree;
import com.sun.source.doctree.DocTree;
import com.sun.source.doctree.ParamTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.ModifiersTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import org.junit.jupiter.api.Test;

import javax.lang.model.element.Modifier;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The public API of every module is documented: each public type, and each public or protected member of one,
 * has a doc comment; a public record names every component with {@code @param}; each package with a public type
 * has a {@code package-info.java} saying what it is for. Members that override keep their supertype's comment.
 * Everything else is package-private, so this is the whole surface a user sees.
 */
class PublicApiDocsTest {
    /** Source roots of the modules, relative to core (the test's working directory). */
    private static final List<String> MODULES = List.of("weights-loader", "core", "kernels", "cli", "bench");

    @Test
    void everyPublicTypeAndMemberIsDocumented() throws IOException {
        List<Path> sources = new ArrayList<>();
        for (String module : MODULES) {
            Path root = Path.of("..", module, "src", "main", "java");
            assertTrue(Files.isDirectory(root), "no sources at " + root.toAbsolutePath().normalize());
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(f -> f.toString().endsWith(".java")).forEach(sources::add);
            }
        }
        List<String> missing = new ArrayList<>();
        Set<Path> packagesWithPublicTypes = new HashSet<>(), packagesDocumented = new HashSet<>();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            JavacTask task = (JavacTask) javac.getTask(null, files, d -> {}, List.of("-proc:none"), null,
                    files.getJavaFileObjectsFromPaths(sources));
            DocTrees docs = DocTrees.instance(task);
            for (CompilationUnitTree unit : task.parse()) {
                Path file = Path.of(unit.getSourceFile().toUri()).normalize();
                if (file.getFileName().toString().equals("package-info.java")) {
                    if (unit.getPackage() != null && docs.getDocCommentTree(TreePath.getPath(unit, unit.getPackage())) != null) {
                        packagesDocumented.add(file.getParent());
                    }
                    continue;
                }
                new Checker(docs, unit, file, missing, packagesWithPublicTypes).scan(new TreePath(unit), null);
            }
        }
        for (Path p : packagesWithPublicTypes) {
            if (!packagesDocumented.contains(p)) missing.add(p + ": no package-info.java with a doc comment");
        }
        assertTrue(sources.size() > 50, "found only " + sources.size() + " source files");
        assertTrue(missing.isEmpty(), missing.size() + " undocumented public declarations:\n" + String.join("\n", missing));
    }

    /** Walks one compilation unit, descending only into types that are visible outside their package. */
    private static final class Checker extends TreePathScanner<Void, Void> {
        private final DocTrees docs;
        private final CompilationUnitTree unit;
        private final Path file;
        private final List<String> missing;
        private final Set<Path> packages;

        Checker(DocTrees docs, CompilationUnitTree unit, Path file, List<String> missing, Set<Path> packages) {
            this.docs = docs;
            this.unit = unit;
            this.file = file;
            this.missing = missing;
            this.packages = packages;
        }

        @Override public Void visitClass(ClassTree type, Void unused) {
            TreePath here = getCurrentPath(); // scan(path, ...) of a nested type clears the scanner's path
            if (!visible(type.getModifiers(), here.getParentPath())) return null;
            packages.add(file.getParent());
            DocCommentTree doc = docs.getDocCommentTree(here);
            String name = type.getSimpleName().toString();
            if (doc == null) report(type, "type " + name);
            if (type.getKind() == Tree.Kind.RECORD) checkComponents(type, doc, name);
            for (Tree member : type.getMembers()) {
                TreePath path = new TreePath(here, member);
                if (member instanceof ClassTree) {
                    scan(path, null);
                } else if (member instanceof MethodTree m && visible(m.getModifiers(), here)
                        && !overrides(m) && !(type.getKind() == Tree.Kind.RECORD && m.getName().contentEquals("<init>"))
                        && docs.getDocCommentTree(path) == null) {
                    report(m, "method " + name + "." + (m.getName().contentEquals("<init>") ? name : m.getName()));
                } else if (member instanceof VariableTree v && visible(v.getModifiers(), here)
                        && docs.getDocCommentTree(path) == null) {
                    report(v, "field " + name + "." + v.getName());
                }
            }
            return null;
        }

        /** A public record's components are documented by {@code @param} tags of its comment. */
        private void checkComponents(ClassTree record, DocCommentTree doc, String name) {
            Set<String> params = new HashSet<>();
            if (doc != null) {
                for (DocTree tag : doc.getBlockTags()) {
                    if (tag instanceof ParamTree p) params.add(p.getName().getName().toString());
                }
            }
            for (Tree member : record.getMembers()) {
                // The parser keeps a record's components as its non-static fields.
                if (member instanceof VariableTree v && !v.getModifiers().getFlags().contains(Modifier.STATIC)
                        && !params.contains(v.getName().toString())) {
                    report(v, "record component " + name + "." + v.getName() + " (no @param)");
                }
            }
        }

        /**
         * Public or protected, or a non-private member of an interface or annotation (implicitly public), and
         * declared in a type that is itself visible (or at the top level).
         */
        private boolean visible(ModifiersTree modifiers, TreePath enclosing) {
            Set<Modifier> flags = modifiers.getFlags();
            Tree owner = enclosing == null ? null : enclosing.getLeaf();
            if (owner instanceof ClassTree c) {
                boolean inInterface = c.getKind() == Tree.Kind.INTERFACE || c.getKind() == Tree.Kind.ANNOTATION_TYPE;
                return flags.contains(Modifier.PUBLIC) || flags.contains(Modifier.PROTECTED)
                        || (inInterface && !flags.contains(Modifier.PRIVATE));
            }
            return flags.contains(Modifier.PUBLIC);
        }

        private static boolean overrides(MethodTree m) {
            return m.getModifiers().getAnnotations().stream()
                    .anyMatch(a -> a.getAnnotationType().toString().equals("Override"));
        }

        private void report(Tree tree, String what) {
            long line = unit.getLineMap().getLineNumber(docs.getSourcePositions().getStartPosition(unit, tree));
            missing.add(file + ":" + line + ": " + what);
        }
    }
}
