using System.CommandLine;
using System.Globalization;
using SlotSharp.Slot;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// SLOT knobs on the command line. --times / --lr win; when absent the original code's environment variables are
/// read (`times`/`lr` for the HF path, `CHOT_STEPS`/`CHOT_LR` for the vLLM path); else times 5, lr 0.1.
/// </summary>
internal sealed class SlotCliOptions
{
    public Option<int?> Times { get; } = new("--times") { Description = $"SLOT optimizer steps on the prompt, 0 to {SlotOptions.MaxTimes} (0 = plain generation; env: times / CHOT_STEPS; default 5)" };
    public Option<double?> Lr { get; } = new("--lr") { Description = "SLOT learning rate (env: lr / CHOT_LR; default 0.1)" };
    public Option<string> Impl { get; } = new("--slot-impl") { Description = "fast (closed-form gradient) or reference (autograd, the original code path)", DefaultValueFactory = _ => "fast" };
    public Option<string> Optimizer { get; } = new("--slot-optimizer") { Description = "adamw (the original HF path) or vllm (its patched vLLM runner)", DefaultValueFactory = _ => "adamw" };
    public Option<double?> WeightDecay { get; } = new("--slot-weight-decay") { Description = "Override the optimizer's weight decay (adamw 1e-8, vllm 1e-5)" };
    public Option<double?> Eps { get; } = new("--slot-eps") { Description = "Override the optimizer's eps (adamw 1e-5, vllm 1e-6)" };
    public Option<string?> Betas { get; } = new("--slot-betas") { Description = "Override betas as 'b1,b2' (adamw 0.9,0.999; vllm 0.9,0.95)" };
    public Option<int> MemoryMb { get; } = new("--slot-memory-mb") { Description = "Budget for cached prompt logits; longer prompts are streamed in chunks", DefaultValueFactory = _ => 512 };

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { Times, Lr, Impl, Optimizer, WeightDecay, Eps, Betas, MemoryMb }) cmd.Options.Add(o);
    }

    /// <summary>Optimizer, implementation and memory budget only (the eval command takes times/lr per sweep setting).</summary>
    public SlotOptions ResolveKinds(ParseResult parse)
    {
        var (optimizer, impl) = Kinds(parse);
        int mb = parse.GetValue(MemoryMb);
        if (mb <= 0) throw new UserInputException($"--slot-memory-mb must be > 0, got {mb}");
        return new SlotOptions { Optimizer = optimizer, Impl = impl, MemoryBudgetBytes = (long)mb << 20 };
    }

    (SlotOptimizerKind, SlotImplKind) Kinds(ParseResult parse)
    {
        var optimizer = parse.GetValue(Optimizer) switch
        {
            "adamw" => SlotOptimizerKind.AdamW,
            "vllm" => SlotOptimizerKind.Vllm,
            var o => throw new UserInputException($"--slot-optimizer '{o}' is not one of adamw, vllm"),
        };
        var impl = parse.GetValue(Impl) switch
        {
            "fast" => SlotImplKind.Fast,
            "reference" => SlotImplKind.Reference,
            var o => throw new UserInputException($"--slot-impl '{o}' is not one of fast, reference"),
        };
        return (optimizer, impl);
    }

    public SlotOptions Resolve(ParseResult parse)
    {
        var (optimizer, impl) = Kinds(parse);
        int? times = parse.GetValue(Times);
        double? lr = parse.GetValue(Lr);
        if (times is < 0 or > SlotOptions.MaxTimes) throw new UserInputException($"--times must lie in [0, {SlotOptions.MaxTimes}], got {times}");
        if (lr is { } l && !(double.IsFinite(l) && l > 0)) throw new UserInputException($"--lr must be a finite number > 0, got {l.ToString(CultureInfo.InvariantCulture)}");
        var (t, r) = SlotSettingsResolver.Resolve(times, lr, optimizer);
        double? beta1 = null, beta2 = null;
        if (parse.GetValue(Betas) is { } betas)
        {
            var parts = betas.Split(',');
            if (parts.Length != 2 || !double.TryParse(parts[0], CultureInfo.InvariantCulture, out var b1) || !double.TryParse(parts[1], CultureInfo.InvariantCulture, out var b2))
                throw new UserInputException($"--slot-betas '{betas}' must be two numbers 'b1,b2'");
            beta1 = b1; beta2 = b2;
        }
        int mb = parse.GetValue(MemoryMb);
        if (mb <= 0) throw new UserInputException($"--slot-memory-mb must be > 0, got {mb}");
        var options = new SlotOptions
        {
            Times = t, Lr = r, Optimizer = optimizer, Impl = impl, Beta1 = beta1, Beta2 = beta2,
            Eps = parse.GetValue(Eps), WeightDecay = parse.GetValue(WeightDecay), MemoryBudgetBytes = (long)mb << 20,
        };
        options.Resolve(); // validates every hyper-parameter now, before the model loads
        return options;
    }

    public static string Name(SlotOptimizerKind k) => SlotOptions.Name(k);
    public static string Name(SlotImplKind k) => SlotOptions.Name(k);
}
