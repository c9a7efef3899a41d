using System.CommandLine;
using SlotSharp.Engine;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot chat --model M [--system TEXT]`: a conversation in the terminal through the model's chat template, answers
/// streamed token by token, SLOT fitted on the whole conversation at each turn (or a --load-delta applied). Takes
/// generate's model, SLOT and sampling options. With stdin or stdout redirected it reads one message per line and
/// prints each answer on one line of stdout (plus its own newlines), with no prompt, so it can be scripted.
/// </summary>
internal static class ChatCommand
{
    public static Command Create()
    {
        var model = new ModelOptions();
        var slot = new SlotCliOptions();
        var sampling = new SamplingCliOptions();
        var system = new Option<string?>("--system") { Description = "System message (without one the model's template may add its own default)" };

        var cmd = new Command("chat", "Talk to a model turn by turn through its chat template, with SLOT fitted on the conversation " +
                                      "at each turn; /help inside lists the slash commands");
        model.AddTo(cmd);
        cmd.Options.Add(system);
        sampling.AddTo(cmd);
        slot.AddTo(cmd);
        var noPrefixCache = PrefixCacheOption.Create();
        cmd.Options.Add(noPrefixCache);

        cmd.SetAction(parse =>
        {
            // Every argument is checked before the (slow) model load.
            var generation = sampling.Resolve(parse);
            var slotOptions = slot.Resolve(parse);
            var deltaFile = sampling.LoadDeltaFile(parse);
            model.Validate(parse);

            using var loaded = model.LoadModel(parse);
            // Each turn's prompt starts with the conversation so far, which the prefix cache keeps.
            using var engine = new SlotEngine(loaded, SlotEngine.DefaultOptions(loaded) with { PrefixCache = !parse.GetValue(noPrefixCache) });
            var settings = new ChatSettings
            {
                ModelId = loaded.ModelId, System = parse.GetValue(system), Slot = slotOptions,
                Generation = sampling.ForModel(parse, generation, loaded),
                LoadedDelta = deltaFile == null ? null : SamplingCliOptions.ReadDelta(deltaFile, loaded), LoadedDeltaFile = deltaFile,
            };
            bool interactive = !Console.IsInputRedirected && !Console.IsOutputRedirected;
            var session = new ChatSession(engine, settings, new ChatConsole(Console.Out, Console.Error, interactive));
            if (interactive)
                Console.Error.WriteLine($"Chatting with {settings.ModelId}: {settings.SlotDescription()}. /help lists the commands; " +
                                        "Ctrl+C stops an answer, Ctrl+D leaves.");

            // Ctrl+C stops the answer being written and keeps the session; at the prompt it only reminds how to leave.
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                if (session.CancelTurn()) e.Cancel = true;
                else if (interactive)
                {
                    e.Cancel = true;
                    Console.Error.WriteLine("(Ctrl+D or /exit leaves)");
                }
            };
            Console.CancelKeyPress += onCancel;
            try { session.Run(Console.In); }
            finally { Console.CancelKeyPress -= onCancel; }
            return 0;
        });
        return cmd;
    }
}
