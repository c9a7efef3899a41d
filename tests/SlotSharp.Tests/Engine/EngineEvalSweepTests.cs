using SlotSharp.Chat;
using SlotSharp.Evaluation;
using SlotSharp.Generation;

using SlotSharp.Slot;

namespace SlotSharp.Tests.Engine;

/// <summary>
/// <see cref="EngineEvalModel"/> on the engine: a batch of prompts, each with a sweep of SLOT settings as branches of
/// one prefill, must give for every (prompt, setting) exactly what that prompt alone with that setting gives
/// (<see cref="TestModel.Generate"/>, checked against the goldens by the generation tests).
/// </summary>
public class EngineEvalSweepTests(PipelineFixture pipelines) : IClassFixture<PipelineFixture>
{
    static readonly string[] Questions = ["What is 2 + 3?", "Natalia sold 48 clips in April and half as many in May. How many in all?", "Name a colour."];
    static readonly SlotSetting[] Settings = [new("0", "0.1"), new("2", "0.1"), new("5", "0.05")];

    [SkippableFact]
    public void ABatchedSweepEqualsEachPromptAndSettingAlone()
    {
        var pipeline = pipelines.Float32(Golden.Load("tiny-qwen2"));
        pipeline.Warn = _ => { };
        var generation = new EvalGeneration(MaxNewTokens: 12, DoSample: true, Temperature: 0.8, TopP: 0.95);
        var prompts = Questions.Select((q, i) => new EvalPrompt(i, [new EvalMessage("user", q)], SamplingSeed: 1000 + (ulong)i)).ToArray();
        using var eval = new EngineEvalModel(pipeline.Engine, new SlotOptions());

        var batched = eval.Complete(prompts, Settings, generation);
        var oneAtATime = prompts.Select(p => eval.Complete([p], Settings, generation)[0]).ToArray();

        for (int i = 0; i < prompts.Length; i++)
        {
            var ids = pipeline.EncodeChat([ChatMessage.User(Questions[i])]);
            for (int s = 0; s < Settings.Length; s++)
            {
                var alone = pipeline.Generate(ids, new GenerationOptions
                {
                    MaxNewTokens = 12, Temperature = 0.8, TopP = 0.95, Seed = 1000 + i,
                    StopIds = pipeline.StopIds.ToArray(), RepetitionPenalty = pipeline.DefaultRepetitionPenalty,
                }, new SlotOptions { Times = Settings[s].Times, Lr = Settings[s].LearningRate });
                var expectedText = pipeline.Tokenizer.Decode(alone.Generation.GeneratedIds, skipSpecialTokens: true);
                foreach (var (completion, how) in new[] { (batched[i][s], "batched"), (oneAtATime[i][s], "alone") })
                {
                    Assert.True(expectedText == completion.Text, $"prompt {i} {Settings[s]} {how}: expected '{expectedText}', got '{completion.Text}'");
                    Assert.Equal(alone.Generation.GeneratedIds.Length, completion.GeneratedTokens);
                    Assert.Equal(ids.Length, completion.PromptTokens);
                    Assert.Equal(alone.Slot?.Losses ?? [], completion.SlotLosses);
                }
            }
        }
        // The sweep must really have changed something, or the comparison above could not tell settings apart.
        Assert.Contains(Enumerable.Range(0, prompts.Length), i => batched[i][0].Text != batched[i][2].Text);
    }
}
