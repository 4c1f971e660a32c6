FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
# Dependency manifests first: the restore below stays cached until they change.
COPY Directory.Build.props app.sln /src/
COPY src/Module1/Module1.csproj /src/src/Module1/
COPY src/Module2/Module2.csproj /src/src/Module2/
COPY src/app/app.csproj src/app/nuget.config /src/src/app/
COPY tests/app.Test/app.Test.csproj /src/tests/app.Test/
COPY tests/app.integrity.Test/app.integrity.Test.csproj /src/tests/app.integrity.Test/
RUN dotnet restore src/app/app.csproj -p:Configuration=Release -r linux-x64
COPY . /src/
RUN dotnet publish src/app/app.csproj -c Release -r linux-x64 -o /out --nologo && rm -rf /src/src/app/bin

FROM mcr.microsoft.com/dotnet/aspnet:8.0
COPY --from=build /out /app
ENTRYPOINT ["dotnet", "/app/app.dll"]
