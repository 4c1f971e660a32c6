var started = DateTime.UtcNow;
var app = WebApplication.CreateBuilder(args).Build();

app.MapGet("/", () => Module1.Greeting.For("runner-ext"));
app.MapGet("/uptime", () => Module2.Clock.Since(started, DateTime.UtcNow));

app.Run();
