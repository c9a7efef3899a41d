using System.CommandLine;
using System.Diagnostics;
using SlotSharp.Slot;
using TorchSharp;
using static TorchSharp.torch;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot bench slot`: the SLOT prompt stage, fast vs reference, on random H and W with real LM-head shapes, next to the
/// one H Wᵀ GEMM a prompt of that length needs anyway (the floor). Registered in BenchCommand.
/// </summary>
internal static class BenchSlotCommand
{
    sealed record Shape(string Name, int Vocab, int Hidden);

    static readonly Shape[] KnownShapes =
    [
        new("qwen2.5-0.5b", 151936, 896),
        new("qwen2.5-7b", 152064, 3584),
    ];

    public static Command Create()
    {
        var shapes = new Option<string[]>("--shapes")
        {
            Description = "LM head shapes: qwen2.5-0.5b (V 151936, d 896), qwen2.5-7b (V 152064, d 3584)",
            DefaultValueFactory = _ => ["qwen2.5-0.5b", "qwen2.5-7b"],
            AllowMultipleArgumentsPerToken = true,
        };
        var lengths = new Option<int[]>("--lengths")
        {
            Description = "prompt lengths T",
            DefaultValueFactory = _ => [64, 300, 2048],
            AllowMultipleArgumentsPerToken = true,
        };
        var times = new Option<int>("--times") { Description = "SLOT steps", DefaultValueFactory = _ => 5 };
        var optimizer = new Option<SlotOptimizerKind>("--slot-optimizer") { Description = "adamw or vllm", DefaultValueFactory = _ => SlotOptimizerKind.AdamW };
        var budget = new Option<long>("--slot-memory-mb")
        {
            Description = "fast path's cache budget for the (T-1) x V logits block, MB",
            DefaultValueFactory = _ => SlotOptions.DefaultMemoryBudgetBytes / (1024 * 1024),
        };
        var referenceMax = new Option<int>("--reference-max-tokens")
        {
            Description = "skip the (slow) reference above this prompt length; 0 = never skip",
            DefaultValueFactory = _ => 0,
        };
        var quick = new Option<bool>("--quick") { Description = "skip the reference for the 7B shape above T = 300" };
        var repeat = new Option<int>("--repeat")
        {
            Description = "time the floor and the fast path this many times and keep the fastest (shared machines are noisy); the reference runs once",
            DefaultValueFactory = _ => 3,
        };
        var seed = new Option<int>("--seed") { Description = "random seed for H, W and ids", DefaultValueFactory = _ => 1234 };

        var cmd = new Command("slot", "Time the SLOT prompt stage (fast vs reference) against one H Wᵀ GEMM")
        {
            shapes, lengths, times, optimizer, budget, referenceMax, quick, repeat, seed,
        };
        cmd.SetAction(parse =>
        {
            var chosen = parse.GetValue(shapes)!.Select(ParseShape).ToArray();
            var ts = parse.GetValue(lengths)!;
            if (ts.Any(t => t < 2)) throw new UserInputException("--lengths: every prompt length must be >= 2");
            long budgetMb = parse.GetValue(budget);
            if (budgetMb <= 0) throw new UserInputException("--slot-memory-mb must be > 0");
            var options = new SlotOptions
            {
                Times = parse.GetValue(times),
                Optimizer = parse.GetValue(optimizer),
                MemoryBudgetBytes = budgetMb * 1024 * 1024,
            };
            options.Resolve(); // reject bad --times before allocating anything
            int refMax = parse.GetValue(referenceMax);
            bool isQuick = parse.GetValue(quick);
            int repeats = parse.GetValue(repeat);
            if (repeats < 1) throw new UserInputException("--repeat must be >= 1");
            Run(chosen, ts, options, t => refMax > 0 && t > refMax, isQuick, repeats, parse.GetValue(seed));
            return 0;
        });
        return cmd;
    }

    static Shape ParseShape(string name) =>
        KnownShapes.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? throw new UserInputException($"--shapes: unknown shape '{name}' (known: {string.Join(", ", KnownShapes.Select(s => s.Name))})");

    static void Run(Shape[] shapes, int[] lengths, SlotOptions options, Func<int, bool> skipReference, bool quick, int repeats, int seed)
    {
        SlotSharp.Runtime.TorchRuntime.EnsureLoadable();
        Console.WriteLine($"threads {torch.get_num_threads()}, times {options.Times}, optimizer {options.Optimizer}, budget {options.MemoryBudgetBytes >> 20} MB, best of {repeats}");
        Console.WriteLine("| shape | T | GEMM floor ms | fast ms | fast / floor | reference ms | reference / fast | fast cached? |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var shape in shapes)
        {
            torch.manual_seed(seed);
            // Logit std about 2 (like a real LM head's prompt logits): H ~ N(0, 1), W ~ N(0, 4/d).
            using var w = torch.randn(shape.Vocab, shape.Hidden, dtype: float32).mul_(2.0 / Math.Sqrt(shape.Hidden));
            using var fastRunner = new SlotRunner(w, options);
            using var refRunner = new SlotRunner(w, options with { Impl = SlotImplKind.Reference });
            foreach (int t in lengths)
            {
                using var h = torch.randn(t, shape.Hidden, dtype: float32);
                var rng = new Random(seed + t);
                var ids = Enumerable.Range(0, t).Select(_ => (long)rng.Next(shape.Vocab)).ToArray();

                TimeMs(() => { using var _ = h.narrow(0, 0, 1).mm(w.t()); }); // warm up the BLAS threads
                double floor = double.MaxValue, fast = double.MaxValue;
                for (int r = 0; r < repeats; r++) // interleaved, so a burst of load from elsewhere hits both
                {
                    floor = Math.Min(floor, TimeMs(() => { using var _ = h.narrow(0, 0, t - 1).mm(w.t()); }));
                    fast = Math.Min(fast, TimeMs(() => { using var _ = fastRunner.Run(h, ids); }));
                }
                bool cached = (long)(t - 1) * shape.Vocab * sizeof(float) <= options.MemoryBudgetBytes;
                bool skip = skipReference(t) || (quick && shape.Hidden > 1024 && t > 300);
                double reference = skip ? double.NaN : TimeMs(() => { using var _ = refRunner.Run(h, ids); });
                string refText = skip ? "skipped" : $"{reference:F0}";
                string ratio = skip ? "-" : $"{reference / fast:F1}x";
                Console.WriteLine($"| {shape.Name} | {t} | {floor:F0} | {fast:F0} | {fast / floor:F2}x | {refText} | {ratio} | {(cached ? "yes" : "no (chunked)")} |");
            }
        }
    }

    static double TimeMs(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalMilliseconds;
    }
}
