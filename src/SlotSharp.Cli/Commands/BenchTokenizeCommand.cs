using System.Globalization;
using System.CommandLine;
using System.Diagnostics;
using System.Text;
using SlotSharp.Tokenization;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot bench tokenize [--model DIR] [--mb 10]`: single-threaded encode throughput on a deterministic mixed
/// corpus (English prose, C-like code, CJK, numbers), cold cache then warm cache.
/// </summary>
internal static class BenchTokenizeCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model folder with tokenizer.json (default: ../shared/tokenizers/qwen2.5 when found)" };
        var mb = new Option<double>("--mb") { Description = "Corpus size in MB of UTF-8", DefaultValueFactory = _ => 10 };
        var cmd = new Command("tokenize", "Encode MB/s of a deterministic mixed corpus, one thread");
        cmd.Options.Add(model);
        cmd.Options.Add(mb);
        cmd.SetAction(parse =>
        {
            var dir = parse.GetValue(model) ?? DefaultModel()
                ?? throw new UserInputException("--model: no default tokenizer found (../shared/tokenizers/qwen2.5); pass --model DIR");
            var size = parse.GetValue(mb);
            if (!(size > 0 && size <= 1000)) throw new UserInputException($"--mb: must be in (0, 1000], got {size}");
            Run(dir, size);
            return 0;
        });
        return cmd;
    }

    static void Run(string dir, double mb)
    {
        // CPU time is printed next to wall time: on a shared, oversubscribed machine wall time overstates the cost.
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var tokenizer = TokenizerLoader.FromModelFolder(dir);
        var loadMs = sw.Elapsed.TotalMilliseconds;
        process.Refresh();
        var loadCpuMs = (process.TotalProcessorTime - cpu0).TotalMilliseconds;
        var documents = MixedCorpus.Generate((long)(mb * 1_000_000));
        double bytes = documents.Sum(d => (double)Encoding.UTF8.GetByteCount(d));
        Console.WriteLine($"tokenizer: {Path.GetFullPath(dir)} (load {loadMs:F0} ms wall, {loadCpuMs:F0} ms CPU, vocab {tokenizer.VocabSize})");
        Console.WriteLine($"corpus: {documents.Count} documents, {bytes / 1e6:F2} MB UTF-8");
        foreach (var pass in new[] { "cold cache", "warm cache" })
        {
            long tokens = 0;
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            sw.Restart();
            foreach (var d in documents) tokens += tokenizer.Encode(d, addSpecialTokens: false).Length;
            var s = sw.Elapsed.TotalSeconds;
            process.Refresh();
            var cpuS = (process.TotalProcessorTime - cpu).TotalSeconds;
            Console.WriteLine($"encode ({pass}): {bytes / 1e6 / s:F2} MB/s wall ({bytes / 1e6 / cpuS:F2} MB/s per CPU-second), " +
                              $"{tokens / s / 1e6:F2} M tokens/s, {tokens} tokens, {s:F2} s");
        }
        Console.WriteLine($"machine: {CpuModel()}, {Environment.ProcessorCount} logical CPUs, load average {LoadAverage()}, .NET {Environment.Version}");
    }

    static string? DefaultModel()
    {
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d != null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared", "tokenizers", "qwen2.5");
            if (File.Exists(Path.Combine(candidate, "tokenizer.json"))) return candidate;
        }
        return null;
    }

    static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }

    static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException) { return "unknown CPU"; }
    }
}

/// <summary>Deterministic benchmark text: seeded mixes of prose, code, CJK and numbers in ~8 KB documents.</summary>
internal static class MixedCorpus
{
    static readonly string[] Words = ("the of and to in is that it was for on are with as his they be at one have this from " +
        "or had by word but what some we can out other were all there when up use your how said an each she which do their " +
        "time if will way about many then them write would like so these her long make thing see him two has look more day " +
        "could go come did number sound no most people my over know water than call first who may down side been now find " +
        "Tokenization algorithm gradient optimizer attention transformer inference Qwen Llama adaptation").Split(' ');
    static readonly string[] CodeLines =
    [
        "for (int i = 0; i < n; ++i) {", "    sum += weights[i] * inputs[i];", "}", "return Math.Sqrt(sum / n);",
        "def forward(self, x):", "    h = self.norm(x)", "    return self.proj(torch.relu(h)) + x", "if (ptr == NULL) { return -1; }",
        "const result = await fetch(`/api/v1/items?id=${id}`);", "// TODO: handle the empty case", "x_{t+1} = x_t - \\eta \\nabla f(x_t)",
    ];
    static readonly string[] Cjk =
    [
        "今天天气很好，我们去公园散步吧。", "机器学习是人工智能的一个分支。", "東京は日本の首都です。", "자연어 처리는 재미있습니다.",
        "深度学习模型需要大量的数据进行训练。", "「こんにちは」と彼女は言った。",
    ];

    public static List<string> Generate(long targetBytes, int seed = 20250512)
    {
        var rng = new Random(seed);
        var docs = new List<string>();
        long total = 0;
        while (total < targetBytes)
        {
            var sb = new StringBuilder();
            while (sb.Length < 8000)
            {
                switch (rng.Next(4))
                {
                    case 0: // prose
                        for (int i = rng.Next(8, 30); i > 0; i--) sb.Append(Words[rng.Next(Words.Length)]).Append(i % 11 == 0 ? ", " : " ");
                        sb.Append(rng.Next(5) == 0 ? "isn't it?\n" : "done.\n");
                        break;
                    case 1: // code
                        for (int i = rng.Next(3, 10); i > 0; i--) sb.Append(CodeLines[rng.Next(CodeLines.Length)]).Append('\n');
                        break;
                    case 2: // CJK
                        for (int i = rng.Next(1, 4); i > 0; i--) sb.Append(Cjk[rng.Next(Cjk.Length)]);
                        sb.Append('\n');
                        break;
                    default: // numbers
                        sb.Append(CultureInfo.InvariantCulture, $"{rng.Next(1, 100000)} + {rng.NextDouble() * 1000:F3} = {rng.Next(-500, 500)}; year {rng.Next(1900, 2100)}, {rng.Next(0, 100)}%\n");
                        break;
                }
            }
            var doc = sb.ToString();
            docs.Add(doc);
            total += Encoding.UTF8.GetByteCount(doc);
        }
        return docs;
    }
}
